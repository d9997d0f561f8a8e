/**
 * History visibility on the read paths (/messages, /context, /event, /relations, /timestamp_to_event):
 * what a user who was invited and joined late sees under each setting, what a stranger sees, and that
 * nothing after a user's leave is shown.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  bodies,
  call,
  createRoom,
  type Ev,
  enc,
  invite,
  join,
  leave,
  send,
  setState,
  text,
} from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let n = 0;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
});
afterAll(() => hs.stop());

interface Scenario {
  roomId: string;
  bob: TestUser;
  carol: TestUser;
  ids: Record<string, string>;
}

/** alice: "before-invite"; invites bob: "after-invite"; bob joins: "after-join"; bob leaves: "after-leave". */
async function scenario(visibility: string): Promise<Scenario> {
  n++;
  const bob = createUserDirect(hs, `bob${n}`);
  const carol = createUserDirect(hs, `carol${n}`);
  const roomId = await createRoom(hs, alice, { preset: "public_chat" });
  await setState(hs, alice, roomId, "m.room.history_visibility", "", { history_visibility: visibility });
  const ids: Record<string, string> = {};
  ids["before-invite"] = await send(hs, alice, roomId, text("before-invite"));
  await invite(hs, alice, roomId, bob.userId);
  ids["after-invite"] = await send(hs, alice, roomId, text("after-invite"));
  await join(hs, bob, roomId);
  ids["after-join"] = await send(hs, alice, roomId, text("after-join"));
  return { roomId, bob, carol, ids };
}

async function seen(user: TestUser, roomId: string): Promise<{ status: number; bodies: string[] }> {
  const r = await call<{ chunk: Ev[] }>(
    hs,
    user,
    "GET",
    `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=100`,
  );
  return { status: r.status, bodies: r.status === 200 ? bodies(r.body.chunk).reverse() : [] };
}

const ALL = ["before-invite", "after-invite", "after-join"];
const EXPECTED: Record<string, string[]> = {
  joined: ["after-join"],
  invited: ["after-invite", "after-join"],
  shared: ALL,
  world_readable: ALL,
};

describe("a user invited and joined late", () => {
  for (const [visibility, visible] of Object.entries(EXPECTED)) {
    test(`${visibility}: /messages, /event, /context and /timestamp_to_event show only ${visible.join(", ")}`, async () => {
      const s = await scenario(visibility);
      expect(await seen(s.bob, s.roomId)).toEqual({ status: 200, bodies: visible });
      expect((await seen(alice, s.roomId)).bodies).toEqual(ALL);
      for (const name of ALL) {
        const want = visible.includes(name) ? 200 : 404;
        const ev = await call(hs, s.bob, "GET", `/_matrix/client/v3/rooms/${enc(s.roomId)}/event/${enc(s.ids[name]!)}`);
        expect({ name, status: ev.status }).toEqual({ name, status: want });
        const ctx = await call(
          hs,
          s.bob,
          "GET",
          `/_matrix/client/v3/rooms/${enc(s.roomId)}/context/${enc(s.ids[name]!)}`,
        );
        expect({ name, status: ctx.status }).toEqual({ name, status: want });
      }
      // The earliest event bob can find by time is the first he may see.
      const ts = await call<{ event_id: string }>(
        hs,
        s.bob,
        "GET",
        `/_matrix/client/v1/rooms/${enc(s.roomId)}/timestamp_to_event?ts=0&dir=f`,
      );
      expect(ts.status).toBe(200);
      const first = await call<Ev>(
        hs,
        s.bob,
        "GET",
        `/_matrix/client/v3/rooms/${enc(s.roomId)}/event/${enc(ts.body.event_id)}`,
      );
      expect(first.status).toBe(200);
    });
  }

  test("a stranger reads a world_readable room, and is refused (403) otherwise", async () => {
    for (const [visibility, status] of [
      ["world_readable", 200],
      ["shared", 403],
      ["invited", 403],
      ["joined", 403],
    ] as const) {
      const s = await scenario(visibility);
      const r = await seen(s.carol, s.roomId);
      expect({ visibility, status: r.status }).toEqual({ visibility, status });
      if (status === 200) expect(r.bodies).toEqual(ALL);
    }
  });

  test("a user's own membership events are visible to them, even under joined", async () => {
    const s = await scenario("joined");
    const r = await call<{ chunk: Ev[] }>(
      hs,
      s.bob,
      "GET",
      `/_matrix/client/v3/rooms/${enc(s.roomId)}/messages?dir=b&limit=100`,
    );
    const own = r.body.chunk.filter((e) => e.type === "m.room.member" && e.state_key === s.bob.userId);
    expect(own.map((e) => e.content.membership)).toEqual(["join", "invite"]);
  });
});

describe("after leaving", () => {
  for (const visibility of ["joined", "shared", "world_readable"]) {
    test(`${visibility}: nothing after the leave is shown; what was visible before still is`, async () => {
      const s = await scenario(visibility);
      await leave(hs, s.bob, s.roomId);
      const afterLeave = await send(hs, alice, s.roomId, text("after-leave"));
      const got = await seen(s.bob, s.roomId);
      expect(got.status).toBe(200);
      expect(got.bodies).toEqual(EXPECTED[visibility]!);
      const ev = await call(hs, s.bob, "GET", `/_matrix/client/v3/rooms/${enc(s.roomId)}/context/${enc(afterLeave)}`);
      expect(ev.status).toBe(404);
      // Forwards from the start stops at the leave too.
      const fwd = await call<{ chunk: Ev[]; end?: string }>(
        hs,
        s.bob,
        "GET",
        `/_matrix/client/v3/rooms/${enc(s.roomId)}/messages?dir=f&limit=100`,
      );
      expect(bodies(fwd.body.chunk)).toEqual(EXPECTED[visibility]!);
      expect(fwd.body.chunk.at(-1)).toMatchObject({ type: "m.room.member", state_key: s.bob.userId });
      expect(fwd.body.end).toBeUndefined();
    });
  }
});
