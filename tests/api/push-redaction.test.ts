/**
 * A redacted message stops counting: its notification leaves every user's unread counts (in /sync)
 * and /notifications, as Synapse does, so the badge drops when spam is removed. A redaction that
 * does not take effect changes nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { enc, ok, roomWith, send } from "./push-fixtures";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
});
afterAll(() => hs.stop());

interface Counts {
  notification_count: number;
  highlight_count: number;
}

async function unread(u: TestUser, roomId: string): Promise<Counts | undefined> {
  const body = await ok<{ rooms: { join: Record<string, { unread_notifications?: Counts }> } }>(
    hs,
    u,
    "GET",
    "/_matrix/client/v3/sync?timeout=0",
  );
  return body.rooms.join[roomId]?.unread_notifications;
}

async function notifications(u: TestUser): Promise<string[]> {
  const body = await ok<{ notifications: { event: { event_id: string } }[] }>(
    hs,
    u,
    "GET",
    "/_matrix/client/v3/notifications",
  );
  return body.notifications.map((n) => n.event.event_id);
}

const redact = (u: TestUser, roomId: string, eventId: string, txn: string) =>
  ok(hs, u, "PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(eventId)}/${txn}`, {});

test("redacting an unread message takes it out of everyone's counts and notifications", async () => {
  const roomId = await roomWith(hs, alice, [bob, carol]);
  const spam = await send(hs, alice, roomId, { msgtype: "m.text", body: "buy cheap watches" });
  const mention = await send(hs, alice, roomId, {
    msgtype: "m.text",
    body: "bob: look",
    "m.mentions": { user_ids: [bob.userId] },
  });
  await send(hs, alice, roomId, { msgtype: "m.text", body: "a normal message" });
  expect(await unread(bob, roomId)).toEqual({ notification_count: 3, highlight_count: 1 });
  expect(await unread(carol, roomId)).toEqual({ notification_count: 3, highlight_count: 0 });

  await redact(alice, roomId, spam, "r1");
  await redact(alice, roomId, mention, "r2");
  expect(await unread(bob, roomId)).toEqual({ notification_count: 1, highlight_count: 0 });
  expect(await unread(carol, roomId)).toEqual({ notification_count: 1, highlight_count: 0 });
  const listed = await notifications(bob);
  expect(listed).not.toContain(spam);
  expect(listed).not.toContain(mention);
});

test("a redaction that does not take effect (an event of another room) leaves the counts alone", async () => {
  const roomId = await roomWith(hs, alice, [bob]);
  const other = await roomWith(hs, alice, [bob]);
  const msg = await send(hs, alice, roomId, { msgtype: "m.text", body: "stays" });
  expect((await unread(bob, roomId))?.notification_count).toBe(1);
  await redact(alice, other, msg, "r3");
  expect((await unread(bob, roomId))?.notification_count).toBe(1);
  expect(await notifications(bob)).toContain(msg);
});
