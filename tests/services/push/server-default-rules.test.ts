/**
 * Users on the server-default push rules are evaluated together (one evaluation per event); a user
 * who changes a rule leaves that group at once, and returns to it when the change is undone.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { createUserDirect, type TestUser } from "../../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;

beforeEach(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  const s = hs.server.services;
  roomId = s.rooms.createRoom(alice.userId, { preset: "public_chat" }).room_id;
  s.rooms.membership.join(roomId, bob.userId);
  s.rooms.membership.join(roomId, carol.userId);
});
afterEach(() => hs.stop());

const notified = (u: TestUser) =>
  hs.server.services.push.notifications
    .list(u, { limit: 50 })
    .notifications.map((n) => (n.event.content as { body?: string } | undefined)?.body);

describe("server-default push rules", () => {
  test("a user's changed rule applies at once, and undoing it returns them to the defaults", () => {
    const { rules } = hs.server.services.push;
    const send = (body: string, txn: string) =>
      hs.server.services.rooms.send(alice, roomId, "m.room.message", { msgtype: "m.text", body }, txn);
    expect(rules.isServerDefault(rules.ruleset(bob.userId))).toBe(true);

    send("one", "t1");
    rules.setActions(bob.userId, "underride", ".m.rule.message", []);
    expect(rules.isServerDefault(rules.ruleset(bob.userId))).toBe(false);
    send("two", "t2");
    rules.setActions(bob.userId, "underride", ".m.rule.message", ["notify"]);
    expect(rules.isServerDefault(rules.ruleset(bob.userId))).toBe(true);
    send("three", "t3");

    expect(notified(bob)).toEqual(["three", "one"]);
    expect(notified(carol)).toEqual(["three", "two", "one"]);
  });
});
