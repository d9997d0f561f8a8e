/** Push rules, pushers and unread counts as matrix-js-sdk (Element's library) uses them. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ClientEvent,
  createClient,
  type ICreateClientOpts,
  type MatrixClient,
  NotificationCountType,
  PushRuleActionName,
  PushRuleKind,
  SyncState,
  TweakName,
} from "matrix-js-sdk";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { roomWith, send, setDisplayName, waitFor } from "./push-fixtures";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let client: MatrixClient;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  await setDisplayName(hs, alice, "Alice Liddell");
  client = createClient({
    baseUrl: hs.baseUrl,
    accessToken: alice.accessToken,
    userId: alice.userId,
    deviceId: alice.deviceId,
    logger: quiet as ICreateClientOpts["logger"],
  });
  const ready = new Promise<void>((resolve) => {
    client.on(ClientEvent.Sync, (state) => {
      if (state === SyncState.Prepared) resolve();
    });
  });
  await client.startClient({ initialSyncLimit: 10 });
  await ready;
});
afterAll(async () => {
  client.stopClient();
  await hs.stop();
});

describe("matrix-js-sdk and push", () => {
  test("the client has the default push rules from its first sync", () => {
    const rules = client.pushRules;
    expect(rules?.global.override?.[0]?.rule_id).toBe(".m.rule.master");
    expect(rules?.global.underride?.map((r) => r.rule_id)).toContain(".m.rule.message");
  });

  test("adding, disabling, changing and deleting a rule; the client sees each change through sync", async () => {
    await client.addPushRule("global", PushRuleKind.ContentSpecific, "cake", {
      pattern: "cake",
      actions: [PushRuleActionName.Notify],
    });
    await waitFor(() => client.pushRules?.global.content?.[0]?.rule_id === "cake", "the rule in sync");
    await client.setPushRuleEnabled("global", PushRuleKind.ContentSpecific, "cake", false);
    await waitFor(() => client.pushRules?.global.content?.[0]?.enabled === false, "disabled in sync");
    await client.setPushRuleActions("global", PushRuleKind.Underride, ".m.rule.message", [
      PushRuleActionName.Notify,
      { set_tweak: TweakName.Sound, value: "default" },
    ]);
    const fetched = await client.getPushRules();
    expect(fetched.global.underride?.find((r) => r.rule_id === ".m.rule.message")?.actions as unknown[]).toEqual([
      "notify",
      { set_tweak: "sound", value: "default" },
    ]);
    await client.deletePushRule("global", PushRuleKind.ContentSpecific, "cake");
    await waitFor(() => !client.pushRules?.global.content?.some((r) => r.rule_id === "cake"), "deleted in sync");
  });

  test("setting and listing a pusher", async () => {
    await client.setPusher({
      kind: "http",
      app_id: "im.example.app",
      pushkey: "sdk-key",
      app_display_name: "Example",
      device_display_name: "SDK",
      lang: "en",
      data: { url: "https://push.example.org/_matrix/push/v1/notify", format: "event_id_only" },
    });
    const { pushers } = await client.getPushers();
    expect(pushers.map((p) => [p.app_id, p.pushkey, p.data.format])).toEqual([
      ["im.example.app", "sdk-key", "event_id_only"],
    ]);
  });

  test("unread and highlight counts reach the room, and a read receipt clears them", async () => {
    const roomId = await roomWith(hs, bob, [alice, carol]);
    await waitFor(() => client.getRoom(roomId) !== null, "the room in the client");
    const room = client.getRoom(roomId)!;
    await send(hs, bob, roomId, { msgtype: "m.text", body: "hello" });
    const last = await send(hs, bob, roomId, { msgtype: "m.text", body: "Alice Liddell, look" });
    await waitFor(() => room.getUnreadNotificationCount(NotificationCountType.Total) === 2, "two unread");
    expect(room.getUnreadNotificationCount(NotificationCountType.Highlight)).toBe(1);
    await waitFor(() => room.findEventById(last) !== undefined, "the event in the timeline");
    await client.sendReadReceipt(room.findEventById(last)!);
    await waitFor(() => room.getUnreadNotificationCount(NotificationCountType.Total) === 0, "counts cleared");
    expect(room.getUnreadNotificationCount(NotificationCountType.Highlight)).toBe(0);
  });
});
