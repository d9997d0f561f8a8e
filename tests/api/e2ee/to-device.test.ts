import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";

let hs: TestServer;
afterEach(() => hs.stop());
async function server(config: Record<string, unknown> = {}) {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING, ...config } });
  return hs;
}

const send = (s: TestServer, who: Session, type: string, txnId: string, messages: unknown) =>
  call<Partial<MatrixErrorBody>>(
    s,
    "PUT",
    `/_matrix/client/v3/sendToDevice/${encodeURIComponent(type)}/${encodeURIComponent(txnId)}`,
    {
      token: who.accessToken,
      body: { messages },
    },
  );
const inbox = (s: TestServer, who: { userId: string; deviceId: string }, since = 0, limit = 100) =>
  s.server.services.e2ee.pendingToDevice(who.userId, who.deviceId, since, limit);

describe("PUT /sendToDevice", () => {
  test("a message reaches the one device it is addressed to, once per transaction ID", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob", undefined, { deviceId: "PHONE" });
    const laptop = await login(s, "bob", undefined, { deviceId: "LAPTOP" });
    const messages = { [bob.userId]: { PHONE: { hello: "phone" } } };
    expect(await send(s, alice, "m.test", "t1", messages)).toEqual({ status: 200, body: {} });
    expect(await send(s, alice, "m.test", "t1", messages)).toEqual({ status: 200, body: {} }); // retried
    expect(inbox(s, bob).events).toEqual([{ sender: alice.userId, type: "m.test", content: { hello: "phone" } }]);
    expect(inbox(s, laptop).events).toEqual([]);
    // A new transaction ID is a new message.
    await send(s, alice, "m.test", "t2", messages);
    expect(inbox(s, bob).events).toHaveLength(2);
    // The same transaction ID from another device of the sender is another transaction.
    const alice2 = await login(s, "alice", undefined, { deviceId: "ALICE2" });
    await send(s, alice2, "m.test", "t1", messages);
    expect(inbox(s, bob).events).toHaveLength(3);
  });

  test("`*` reaches every device of the user; an explicit device ID gets its own message instead", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob", undefined, { deviceId: "PHONE" });
    const laptop = await login(s, "bob", undefined, { deviceId: "LAPTOP" });
    await send(s, alice, "m.test", "all", { [bob.userId]: { "*": { to: "all" } } });
    await send(s, alice, "m.test", "mixed", { [bob.userId]: { "*": { to: "all" }, LAPTOP: { to: "laptop" } } });
    expect(inbox(s, bob).events.map((e) => e.content)).toEqual([{ to: "all" }, { to: "all" }]);
    expect(inbox(s, laptop).events.map((e) => e.content)).toEqual([{ to: "all" }, { to: "laptop" }]);
  });

  test("messages come in arrival order, in pages, and are deleted once acknowledged", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    for (let i = 0; i < 5; i++) await send(s, alice, "m.test", `t${i}`, { [bob.userId]: { [bob.deviceId]: { i } } });
    const page1 = inbox(s, bob, 0, 2);
    expect(page1.events.map((e) => e.content.i)).toEqual([0, 1]);
    const page2 = inbox(s, bob, page1.nextPos, 2);
    expect(page2.events.map((e) => e.content.i)).toEqual([2, 3]);
    const page3 = inbox(s, bob, page2.nextPos, 2);
    expect(page3.events.map((e) => e.content.i)).toEqual([4]);
    expect(page3.nextPos).toBe(s.server.services.e2ee.currentPositions().toDevice);
    // Nothing is deleted until acknowledged; then only up to the acknowledged position.
    expect(inbox(s, bob).events).toHaveLength(5);
    s.server.services.e2ee.ackToDevice(bob.userId, bob.deviceId, page1.nextPos);
    expect(inbox(s, bob).events.map((e) => e.content.i)).toEqual([2, 3, 4]);
    // The sync section acknowledges `since` and reads on from there.
    const section = s.server.services.e2ee.syncSection({
      userId: bob.userId,
      deviceId: bob.deviceId,
      since: { toDevice: page2.nextPos, deviceLists: 0 },
    });
    expect(section.toDevice.map((e) => e.content.i)).toEqual([4]);
    expect(inbox(s, bob).events.map((e) => e.content.i)).toEqual([4]);
    s.server.services.e2ee.syncSection({ userId: bob.userId, deviceId: bob.deviceId, since: section.next });
    expect(inbox(s, bob).events).toEqual([]);
  });

  test("a device that never syncs keeps only the newest messages (e2ee.to_device_inbox_limit)", async () => {
    const s = await server({ e2ee: { to_device_inbox_limit: 10 } });
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    for (let i = 0; i < 15; i++) await send(s, alice, "m.test", `t${i}`, { [bob.userId]: { [bob.deviceId]: { i } } });
    expect(inbox(s, bob).events.map((e) => e.content.i)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  test("users on other servers cannot be reached yet: their messages are dropped, local ones delivered", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const r = await send(s, alice, "m.test", "t", {
      "@carol:elsewhere.test": { DEV: { x: 1 } },
      [bob.userId]: { [bob.deviceId]: { x: 2 } },
    });
    expect(r.status).toBe(200);
    expect(inbox(s, bob).events.map((e) => e.content)).toEqual([{ x: 2 }]);
  });

  test("bad input is refused and delivers nothing", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const good = { [bob.deviceId]: { ok: true } };
    for (const [messages, errcode] of [
      [{ "not-a-user": good, [bob.userId]: good }, "M_INVALID_PARAM"],
      [{ [bob.userId]: { ...good, "": { x: 1 } } }, "M_INVALID_PARAM"],
      [{ [bob.userId]: { [bob.deviceId]: "text" } }, "M_BAD_JSON"],
      [{ [bob.userId]: [] }, "M_BAD_JSON"],
      ["nope", "M_BAD_JSON"],
    ] as const) {
      const r = await send(s, alice, "m.test", "t", messages);
      expect({ status: r.status, errcode: r.body.errcode }).toEqual({ status: 400, errcode });
    }
    expect(
      (await call<MatrixErrorBody>(s, "PUT", "/_matrix/client/v3/sendToDevice/m.test/t", { body: { messages: {} } }))
        .status,
    ).toBe(401);
    expect(inbox(s, bob).events).toEqual([]);
    // The refused requests did not use up the transaction ID.
    await send(s, alice, "m.test", "t", { [bob.userId]: good });
    expect(inbox(s, bob).events).toHaveLength(1);
  });

  test("deleting a device deletes its inbox; its messages are not handed to a new device with the same ID", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob", undefined, { deviceId: "PHONE" });
    await send(s, alice, "m.test", "t", { [bob.userId]: { PHONE: { secret: 1 } } });
    s.server.services.devices.deleteDevices(bob.userId, ["PHONE"]);
    const again = await login(s, "bob", undefined, { deviceId: "PHONE" });
    expect(inbox(s, again).events).toEqual([]);
  });

  test("a message wakes the recipient's waiting sync", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const woke = s.server.services.notifier.wait(bob.userId, 60_000);
    await send(s, alice, "m.test", "t", { [bob.userId]: { [bob.deviceId]: {} } });
    expect(await woke).toBe("notified");
  });
});
