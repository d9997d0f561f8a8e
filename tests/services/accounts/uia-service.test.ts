import { describe, expect, test } from "bun:test";
import { MatrixError, UiaRequired } from "../../../src/core/errors";
import type { StageType, UiaRequest } from "../../../src/services/uia/uia-service";
import { accountHarness } from "./harness";

async function outcome(p: Promise<unknown>): Promise<UiaRequired | MatrixError | "passed"> {
  try {
    await p;
    return "passed";
  } catch (e) {
    if (e instanceof UiaRequired || e instanceof MatrixError) return e;
    throw e;
  }
}

async function setup(flows: StageType[][] = [["m.login.password"]]) {
  const h = accountHarness({}, { login: 3, register: 100 });
  const alice = await h.accounts.createUser({ localpart: "alice", password: "alice-password" });
  await h.accounts.createUser({ localpart: "bob", password: "bob-password" });
  const req = (auth: unknown, over: Partial<UiaRequest> = {}): UiaRequest => ({
    operation: "POST /op",
    userId: alice.userId,
    auth,
    flows,
    ...over,
  });
  const pw = (user: string, password: string, session?: string) => ({
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    ...(session ? { session } : {}),
  });
  return { h, req, pw };
}

describe("UIA service", () => {
  test("no auth: 401 body with flows, empty params and a new session (never passes without auth)", async () => {
    const { h, req } = await setup([["m.login.dummy"]]);
    const r = await outcome(h.uia.authenticate(req(undefined)));
    expect(r).toBeInstanceOf(UiaRequired);
    const body = (r as UiaRequired).body;
    expect(body.flows).toEqual([{ stages: ["m.login.dummy"] }]);
    expect(body.params).toEqual({});
    expect(body.session).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(body.completed).toBeUndefined();
  });

  test("stages run in flow order; completed is reported; a done stage is not rerun", async () => {
    const { h, req, pw } = await setup([["m.login.dummy", "m.login.password"]]);
    const s = ((await outcome(h.uia.authenticate(req(undefined)))) as UiaRequired).body.session;
    const early = (await outcome(h.uia.authenticate(req(pw("alice", "alice-password", s))))) as UiaRequired;
    expect(early.body.errcode).toBe("M_FORBIDDEN");
    expect(early.body.completed).toBeUndefined();
    const afterDummy = (await outcome(h.uia.authenticate(req({ type: "m.login.dummy", session: s })))) as UiaRequired;
    expect(afterDummy.body.completed).toEqual(["m.login.dummy"]);
    expect(afterDummy.body.errcode).toBeUndefined();
    // retrying the completed stage is harmless: still 401 with the same completed list
    const again = (await outcome(h.uia.authenticate(req({ type: "m.login.dummy", session: s })))) as UiaRequired;
    expect(again.body.completed).toEqual(["m.login.dummy"]);
    const done = await h.uia.authenticate(req(pw("alice", "alice-password", s)));
    expect(done.sessionId).toBe(s);
    // the session-only retry of a completed flow passes too
    expect(await outcome(h.uia.authenticate(req({ session: s })))).toBe("passed");
    h.uia.finish(s);
    const finished = (await outcome(h.uia.authenticate(req({ session: s })))) as MatrixError;
    expect(finished.status).toBe(400);
  });

  test("wrong password, another user's password, unknown identifier types", async () => {
    const { h, req, pw } = await setup();
    const wrong = (await outcome(h.uia.authenticate(req(pw("alice", "nope"))))) as UiaRequired;
    expect(wrong.body.errcode).toBe("M_FORBIDDEN");
    const bob = (await outcome(h.uia.authenticate(req(pw("bob", "bob-password"))))) as UiaRequired;
    expect(bob.body.errcode).toBe("M_FORBIDDEN");
    const email = (await outcome(
      h.uia.authenticate(req({ type: "m.login.password", identifier: { type: "m.id.thirdparty" }, password: "x" })),
    )) as UiaRequired;
    expect(email).toBeInstanceOf(UiaRequired);
    const missing = (await outcome(h.uia.authenticate(req({ type: "m.login.password" })))) as MatrixError;
    expect(missing.errcode).toBe("M_BAD_JSON");
  });

  test("sessions are bound to their operation and user, and expire", async () => {
    const { h, req, pw } = await setup();
    const s = ((await outcome(h.uia.authenticate(req(undefined)))) as UiaRequired).body.session;
    const otherOp = (await outcome(
      h.uia.authenticate(req(pw("alice", "alice-password", s), { operation: "POST /other" })),
    )) as MatrixError;
    expect(otherOp.status).toBe(403);
    const otherUser = (await outcome(
      h.uia.authenticate(req(pw("bob", "bob-password", s), { userId: "@bob:hs1.test" })),
    )) as MatrixError;
    expect(otherUser.status).toBe(403);
    h.clock.advance(60 * 60 * 1000 + 1);
    const expired = (await outcome(h.uia.authenticate(req(pw("alice", "alice-password", s))))) as MatrixError;
    expect(expired.status).toBe(400);
  });

  test("wrong passwords use up the account's budget; then even the right one is M_LIMIT_EXCEEDED", async () => {
    const { h, req, pw } = await setup();
    for (let i = 0; i < 3; i++) await outcome(h.uia.authenticate(req(pw("alice", "wrong"))));
    const limited = (await outcome(h.uia.authenticate(req(pw("alice", "alice-password"))))) as MatrixError;
    expect(limited.errcode).toBe("M_LIMIT_EXCEEDED");
    h.clock.advance(60_000);
    expect(await outcome(h.uia.authenticate(req(pw("alice", "alice-password"))))).toBe("passed");
  });
});
