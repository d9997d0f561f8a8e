import { describe, expect, test } from "bun:test";
import { startTestServer } from "../helpers/test-server";
import { createUserDirect } from "../helpers/users";

describe("local members cache", () => {
  test("follows joins, leaves and bans, and forgets what a rolled-back transaction wrote", async () => {
    const hs = await startTestServer();
    try {
      const alice = createUserDirect(hs, "alice");
      const bob = createUserDirect(hs, "bob");
      const { rooms } = hs.server.services;
      const { room_id } = rooms.createRoom(alice.userId, { preset: "public_chat" });
      const viewer = { userId: bob.userId, deviceId: bob.deviceId };
      const send = (txn: string) =>
        rooms.send(viewer, room_id, "m.room.message", { msgtype: "m.text", body: txn }, txn);
      expect(() => send("before-join")).toThrow();
      rooms.membership.join(room_id, bob.userId);
      expect(send("joined").event_id).toMatch(/^\$/);
      rooms.membership.leave(room_id, bob.userId);
      expect(() => send("after-leave")).toThrow();
      rooms.membership.join(room_id, bob.userId);
      expect(send("rejoined").event_id).toMatch(/^\$/);
      // A join inside a transaction that fails afterwards must not stay in the cache.
      const carol = createUserDirect(hs, "carol");
      expect(() =>
        hs.server.db.tx(() => {
          rooms.membership.join(room_id, carol.userId);
          throw new Error("abort");
        }),
      ).toThrow("abort");
      expect(() =>
        rooms.send({ userId: carol.userId, deviceId: carol.deviceId }, room_id, "m.room.message", { body: "x" }, "c1"),
      ).toThrow();
      rooms.membership.ban(room_id, alice.userId, bob.userId);
      expect(() => send("banned")).toThrow();
    } finally {
      await hs.stop();
    }
  });
});
