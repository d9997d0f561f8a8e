/**
 * Room history through matrix-js-sdk's own machinery (no /sync needed): a TimelineWindow loaded
 * around an event (/context) and paginated both ways through 1,000 messages (/messages), edits and
 * threads through its relations and thread-list calls, members and timestamp lookups.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  Direction,
  EventTimeline,
  EventType,
  FeatureSupport,
  type ICreateClientOpts,
  type MatrixClient,
  type MatrixEvent,
  MsgType,
  RelationType,
  Room,
  createClient as sdkClient,
  Thread,
  ThreadFilterType,
  TimelineWindow,
} from "matrix-js-sdk";
import { buildFeatureSupportMap } from "matrix-js-sdk/lib/feature";
import { logger as sdkGlobalLogger } from "matrix-js-sdk/lib/logger";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const quiet = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => quiet,
};

// The SDK's module-level logger (message queue) is noise in test output; it is loglevel-based.
(sdkGlobalLogger as unknown as { setLevel?(level: string): void }).setLevel?.("silent");

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceClient: MatrixClient;
let bobClient: MatrixClient;
let roomId: string;
const N = 1000;

function clientFor(u: TestUser): MatrixClient {
  return sdkClient({
    baseUrl: hs.baseUrl,
    accessToken: u.accessToken,
    userId: u.userId,
    deviceId: u.deviceId,
    timelineSupport: true,
    logger: quiet as ICreateClientOpts["logger"],
  });
}

/** A Room object in the client's store (what /sync would have created). */
function roomIn(client: MatrixClient, id: string): Room {
  const room = new Room(id, client, client.getUserId()!, { timelineSupport: true });
  client.store.storeRoom(room);
  return room;
}

const bodyOf = (e: MatrixEvent) => e.getContent().body as string | undefined;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  aliceClient = clientFor(alice);
  bobClient = clientFor(bob);
  // What startClient() would learn from /versions (stable endpoints such as /threads).
  for (const c of [aliceClient, bobClient]) c.canSupport = await buildFeatureSupportMap(await c.getVersions());
  Thread.setServerSideListSupport(FeatureSupport.Stable);
  roomId = (await aliceClient.createRoom({ preset: "public_chat" as never, name: "History" })).room_id;
  await bobClient.joinRoom(roomId);
  const rooms = hs.server.services.rooms;
  for (let i = 0; i < N; i++)
    rooms.send(i % 3 ? alice : bob, roomId, "m.room.message", { msgtype: MsgType.Text, body: `m${i}` }, `s${i}`);
});
afterAll(() => hs.stop());

describe("matrix-js-sdk timeline pagination", () => {
  test("a TimelineWindow around the middle paginates back to the start and forward to the end: no gaps, no duplicates", async () => {
    const middle = await aliceClient.createMessagesRequest(roomId, null, 500, Direction.Backward);
    const anchor = middle.chunk.at(-1)!; // m500
    expect(anchor.content.body).toBe("m500");
    const room = roomIn(bobClient, roomId);
    const window = new TimelineWindow(bobClient, room.getUnfilteredTimelineSet(), { windowLimit: 5000 });
    await window.load(anchor.event_id, 20);
    while (await window.paginate(EventTimeline.BACKWARDS, 97, true)) {}
    while (await window.paginate(EventTimeline.FORWARDS, 89, true)) {}
    const events = window.getEvents();
    const ids = events.map((e) => e.getId());
    expect(new Set(ids).size).toBe(ids.length);
    const msgs = events.filter((e) => e.getType() === "m.room.message").map(bodyOf);
    expect(msgs).toEqual(Array.from({ length: N }, (_, i) => `m${i}`));
    expect(events[0]?.getType()).toBe("m.room.create");
    expect(window.canPaginate(EventTimeline.BACKWARDS)).toBe(false);
  });

  test("createMessagesRequest follows `end` tokens backwards to the first event", async () => {
    const seen: string[] = [];
    let from: string | null = null;
    for (;;) {
      const res = await aliceClient.createMessagesRequest(roomId, from, 250, Direction.Backward);
      seen.push(...res.chunk.map((e) => e.event_id));
      if (!res.end) break;
      from = res.end;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(N);
  });
});

describe("matrix-js-sdk relations, threads, members", () => {
  test("edits and threads are aggregated and listed", async () => {
    const root = (await aliceClient.sendTextMessage(roomId, "thread root")).event_id;
    const reply = await bobClient.sendEvent(roomId, EventType.RoomMessage, {
      msgtype: MsgType.Text,
      body: "in thread",
      "m.relates_to": { rel_type: RelationType.Thread, event_id: root },
    });
    const editId = (
      await aliceClient.sendEvent(roomId, EventType.RoomMessage, {
        msgtype: MsgType.Text,
        body: "* thread root (edited)",
        "m.new_content": { msgtype: MsgType.Text, body: "thread root (edited)" },
        "m.relates_to": { rel_type: RelationType.Replace, event_id: root },
      })
    ).event_id;
    const raw = await bobClient.fetchRoomEvent(roomId, root);
    const rel = (raw.unsigned as Record<string, Record<string, Record<string, unknown>>>)["m.relations"]!;
    expect(rel["m.replace"]?.event_id).toBe(editId);
    expect(rel["m.thread"]?.count).toBe(1);
    expect((rel["m.thread"]!.latest_event as { event_id: string }).event_id).toBe(reply.event_id);
    expect(rel["m.thread"]?.current_user_participated).toBe(true);

    const thread = await aliceClient.fetchRelations(roomId, root, "m.thread", null, { dir: Direction.Backward });
    expect(thread.chunk.map((e) => e.event_id)).toEqual([reply.event_id]);
    const list = await bobClient.createThreadListMessagesRequest(
      roomId,
      null,
      10,
      Direction.Backward,
      ThreadFilterType.All,
    );
    expect(list.chunk.map((e) => e.event_id)).toContain(root);
    const mine = await bobClient.createThreadListMessagesRequest(
      roomId,
      null,
      10,
      Direction.Backward,
      ThreadFilterType.My,
    );
    expect(mine.chunk.map((e) => e.event_id)).toContain(root);
  });

  test("joined members, members with filters, timestamp_to_event", async () => {
    const joined = await aliceClient.getJoinedRoomMembers(roomId);
    expect(Object.keys(joined.joined).sort()).toEqual([alice.userId, bob.userId].sort());
    const members = await aliceClient.members(roomId, "join");
    expect((members.chunk ?? []).map((e) => e.state_key).sort()).toEqual([alice.userId, bob.userId].sort());
    const first = await aliceClient.timestampToEvent(roomId, 0, Direction.Forward);
    const createEvent = await aliceClient.fetchRoomEvent(roomId, first.event_id);
    expect(createEvent.type).toBe("m.room.create");
  });
});
