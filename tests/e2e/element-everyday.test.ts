/**
 * More of what Element does every day, against the homeserver program (the compiled binary in CI),
 * with matrix-js-sdk clients living on /sync: lazy-loaded member lists, the thread list panel, thread
 * unread counts and threaded receipts, read markers, permalinks (/context), favourites, ignoring
 * someone, profile changes reaching every room, knocking, declining an invite and forgetting a room,
 * polls (references), pinned events, the notifications panel, finding people in the user directory,
 * reporting, and the server's capabilities.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  Direction,
  EventTimeline,
  EventType,
  JoinRule,
  type MatrixClient,
  MsgType,
  NotificationCountType,
  Preset,
  ReceiptType,
  RelationType,
  TimelineWindow,
  Visibility,
} from "matrix-js-sdk";
import type { RoomMessageEventContent } from "matrix-js-sdk/lib/@types/events";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  FAST_HASHING_ENV,
  recordSyncErrors,
  registerUser,
  repeatedTimelineEvents,
  type SdkSession,
  serverProblems,
  startSdkClient,
  stopAll,
  timelineEvent,
  until,
} from "../helpers/sdk-clients";

let hs: BinaryServer;
const clients: MatrixClient[] = [];
const syncErrors: Record<string, string[]> = {};
let alice: MatrixClient;
let bob: MatrixClient;
let carol: MatrixClient;
const sessions: Record<string, SdkSession> = {};
const uid = (name: string) => `@${name}:${hs.serverName}`;
let roomId: string;

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "everyday.e2e.test", env: FAST_HASHING_ENV });
  for (const name of ["alice", "bob", "carol"]) {
    sessions[name] = await registerUser(hs.baseUrl, name, `${name} password`);
  }
  [alice, bob, carol] = await Promise.all([start("alice"), start("bob"), start("carol")]);
  await alice.setDisplayName("Alice");
  roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Kitchen", room_alias_name: "kitchen" })).room_id;
  for (const c of [bob, carol]) await c.joinRoom(roomId);
  await until("Alice sees everyone joined", () => alice.getRoom(roomId)?.getJoinedMemberCount() === 3, 20_000, alice);
}, 30_000);
afterAll(async () => {
  stopAll(clients);
  await hs?.cleanup();
});

async function start(name: string): Promise<MatrixClient> {
  const c = await startSdkClient(hs.baseUrl, sessions[name]!);
  syncErrors[name] = recordSyncErrors(c);
  clients.push(c);
  return c;
}

const errcodeOf = (e: unknown) => (e as { errcode?: string }).errcode;

describe("everyday Element features through matrix-js-sdk", () => {
  test("the member list is lazy-loaded when the room is opened (/members at the sync position)", async () => {
    // A fresh login of Carol's: with lazy loading, her first sync carries only the members it needs.
    const laptop = await startSdkClient(hs.baseUrl, sessions.carol!);
    clients.push(laptop);
    const room = await until("Carol's laptop has the room", () => laptop.getRoom(roomId), 20_000, laptop);
    expect(await room.loadMembersIfNeeded()).toBe(true);
    expect(
      room
        .getJoinedMembers()
        .map((m) => m.userId)
        .sort(),
    ).toEqual([uid("alice"), uid("bob"), uid("carol")].sort());
    expect(room.getMember(uid("alice"))?.name).toBe("Alice");
    laptop.stopClient();
  });

  let root: string;
  let reply: string;
  test("threads: the thread list panel, the thread's unread count and a threaded receipt clearing it", async () => {
    root = (await alice.sendTextMessage(roomId, "Who brings dessert?")).event_id;
    await timelineEvent(bob, roomId, root);
    reply = (
      await bob.sendMessage(roomId, root, { msgtype: MsgType.Text, body: "Me, a pie" } as RoomMessageEventContent)
    ).event_id;
    const aliceRoom = alice.getRoom(roomId)!;
    await until("Alice's thread has Bob's reply", () => aliceRoom.getThread(root)?.findEventById(reply), 20_000, alice);
    await until(
      "Alice's unread count in the thread is 1",
      () => aliceRoom.getThreadUnreadNotificationCount(root, NotificationCountType.Total) === 1,
      20_000,
      alice,
    );

    // The thread list panel (GET /threads), as Carol's fresh client sees it.
    const laptop = await startSdkClient(hs.baseUrl, sessions.carol!);
    clients.push(laptop);
    const room = await until("Carol's laptop has the room", () => laptop.getRoom(roomId), 20_000, laptop);
    await room.fetchRoomThreads();
    const thread = room.getThread(root);
    expect(room.getThreads().map((t) => t.id)).toContain(root);
    expect(thread?.rootEvent?.getContent().body).toBe("Who brings dessert?");
    expect(thread?.rootEvent?.getServerAggregatedRelation<{ count: number }>(RelationType.Thread)?.count).toBe(1);
    expect(thread?.replyToEvent?.getId()).toBe(reply);
    laptop.stopClient();
    expect(aliceRoom.getThread(root)?.length).toBe(1);

    // Alice reads the thread: a receipt with the thread's ID clears its count only.
    await alice.sendReadReceipt(aliceRoom.getThread(root)!.findEventById(reply)!, ReceiptType.Read);
    await until(
      "Alice's thread count clears",
      () => aliceRoom.getThreadUnreadNotificationCount(root, NotificationCountType.Total) === 0,
      20_000,
      alice,
    );
  });

  test("read markers: the fully-read marker and a private receipt stay Alice's own", async () => {
    const last = (await bob.sendTextMessage(roomId, "read up to here")).event_id;
    const ev = await timelineEvent(alice, roomId, last);
    await alice.setRoomReadMarkers(roomId, last, undefined, ev);
    await until(
      "Alice's client has her fully-read marker",
      () => alice.getRoom(roomId)?.getAccountData(EventType.FullyRead)?.getContent().event_id === last,
      20_000,
      alice,
    );
    // The private receipt moves Alice's own read position but nobody else sees it.
    await until(
      "Alice's own private receipt",
      () => alice.getRoom(roomId)?.getEventReadUpTo(uid("alice")) === last,
      20_000,
      alice,
    );
    const marker = (await bob.sendTextMessage(roomId, "sync marker")).event_id;
    await timelineEvent(bob, roomId, marker);
    expect(bob.getRoom(roomId)?.getReadReceiptForUserId(uid("alice"), true, ReceiptType.ReadPrivate)).toBeNull();
  });

  test("a permalink opens the timeline around an old event (/context) and pages both ways", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await alice.sendTextMessage(roomId, `line ${i}`)).event_id);
    await timelineEvent(carol, roomId, ids.at(-1)!);
    const room = carol.getRoom(roomId)!;
    const window = new TimelineWindow(carol, room.getUnfilteredTimelineSet(), { windowLimit: 1000 });
    await window.load(ids[20], 10);
    expect(window.getEvents().some((e) => e.getId() === ids[20])).toBe(true);
    while (window.canPaginate(EventTimeline.FORWARDS)) await window.paginate(EventTimeline.FORWARDS, 10);
    for (let page = 0; page < 20 && window.canPaginate(EventTimeline.BACKWARDS); page++) {
      await window.paginate(EventTimeline.BACKWARDS, 10);
      if (window.getEvents().some((e) => e.getId() === ids[0])) break;
    }
    const lines = window
      .getEvents()
      .map((e) => e.getContent().body as string | undefined)
      .filter((b) => b?.startsWith("line "));
    expect(lines).toEqual(ids.map((_, i) => `line ${i}`));
  });

  test("favourites (room tags) and per-room account data reach the user's client", async () => {
    await bob.setRoomTag(roomId, "m.favourite", { order: 0.5 });
    await until(
      "Bob's room is a favourite",
      () => bob.getRoom(roomId)?.tags["m.favourite"]?.order === 0.5,
      20_000,
      bob,
    );
    await bob.deleteRoomTag(roomId, "m.favourite");
    await until("Bob's room is no longer a favourite", () => !bob.getRoom(roomId)?.tags["m.favourite"], 20_000, bob);
    await bob.setRoomAccountData(roomId, "org.example.draft" as never, { text: "half a thought" } as never);
    await until(
      "Bob's draft in his client",
      () => bob.getRoom(roomId)?.getAccountData("org.example.draft")?.getContent().text === "half a thought",
      20_000,
      bob,
    );
  });

  test("ignoring Carol: Bob's client stops getting her messages; unignoring brings new ones back", async () => {
    const room = bob.getRoom(roomId)!;
    await bob.sendReadReceipt(room.getLiveTimeline().getEvents().at(-1)!);
    await until(
      "Bob has read everything",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 0,
      20_000,
      bob,
    );
    await bob.setIgnoredUsers([uid("carol")]);
    await until("Bob's client knows he ignores Carol", () => bob.isUserIgnored(uid("carol")), 20_000, bob);
    const hidden = (await carol.sendTextMessage(roomId, "you cannot hear me")).event_id;
    await carol.sendTextMessage(roomId, "nor this");
    const visible = (await alice.sendTextMessage(roomId, "but you hear me")).event_id;
    await timelineEvent(bob, roomId, visible);
    expect(bob.getRoom(roomId)?.findEventById(hidden)).toBeUndefined();
    // Nor do her messages count as unread.
    await until(
      "Bob's count is Alice's message only",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 1,
      20_000,
      bob,
    );
    // An invite from someone Bob ignores never reaches his client.
    const hiddenInvite = (await carol.createRoom({ preset: Preset.PrivateChat, invite: [uid("bob")] })).room_id;
    const marker = (await alice.sendTextMessage(roomId, "after Carol's invite")).event_id;
    await timelineEvent(bob, roomId, marker);
    expect(bob.getRoom(hiddenInvite)).toBeNull();
    await bob.setIgnoredUsers([]);
    await until("Bob's client unignores Carol", () => !bob.isUserIgnored(uid("carol")), 20_000, bob);
    const heard = (await carol.sendTextMessage(roomId, "hello again")).event_id;
    await timelineEvent(bob, roomId, heard);
  });

  test("a display name and avatar change reach the member lists of every room", async () => {
    const other = (await bob.createRoom({ preset: Preset.PrivateChat, invite: [uid("carol")] })).room_id;
    await until("Carol's invite", () => carol.getRoom(other)?.getMyMembership() === "invite", 20_000, carol);
    await carol.joinRoom(other);
    const { content_uri } = await carol.uploadContent(new Blob(["not really a picture"], { type: "image/png" }), {
      name: "me.png",
    });
    await carol.setDisplayName("Caroline");
    await carol.setAvatarUrl(content_uri);
    for (const [who, r] of [
      [alice, roomId],
      [bob, roomId],
      [bob, other],
    ] as const) {
      await until(
        `${who.getUserId()} sees Caroline in ${r}`,
        () => {
          const m = who.getRoom(r)?.getMember(uid("carol"));
          return m?.name === "Caroline" && m.getMxcAvatarUrl() === content_uri;
        },
        20_000,
        who,
      );
    }
  });

  test("knocking: Carol knocks on an invite-only room, Alice sees it live and lets her in", async () => {
    const knockRoom = (
      await alice.createRoom({
        preset: Preset.PrivateChat,
        name: "Knock knock",
        initial_state: [{ type: EventType.RoomJoinRules, state_key: "", content: { join_rule: "knock" } }],
      })
    ).room_id;
    await carol.knockRoom(knockRoom, { reason: "let me in" });
    await until(
      "Alice sees Carol knocking",
      () => alice.getRoom(knockRoom)?.getMember(uid("carol"))?.membership === "knock",
      20_000,
      alice,
    );
    await until(
      "Carol's client shows the knock",
      () => carol.getRoom(knockRoom)?.getMyMembership() === "knock",
      20_000,
      carol,
    );
    await alice.invite(knockRoom, uid("carol"));
    await until("Carol is invited", () => carol.getRoom(knockRoom)?.getMyMembership() === "invite", 20_000, carol);
    await carol.joinRoom(knockRoom);
    await until(
      "Alice sees Carol joined",
      () => alice.getRoom(knockRoom)?.getMember(uid("carol"))?.membership === "join",
      20_000,
      alice,
    );
  });

  test("declining an invite, then forgetting a room left", async () => {
    const declined = (await alice.createRoom({ preset: Preset.PrivateChat, name: "Unwanted", invite: [uid("bob")] }))
      .room_id;
    await until("Bob's invite", () => bob.getRoom(declined)?.getMyMembership() === "invite", 20_000, bob);
    await bob.leave(declined);
    await until(
      "Alice sees Bob decline",
      () => alice.getRoom(declined)?.getMember(uid("bob"))?.membership === "leave",
      20_000,
      alice,
    );
    await until(
      "Bob's client files it as left",
      () => bob.getRoom(declined)?.getMyMembership() === "leave",
      20_000,
      bob,
    );

    const left = (await alice.createRoom({ preset: Preset.PublicChat, name: "Short stay" })).room_id;
    await bob.joinRoom(left);
    await bob.leave(left);
    await bob.forget(left, true);
    expect(bob.getRoom(left)).toBeNull();
    const rooms = (await bob.getJoinedRooms()).joined_rooms;
    expect(rooms).not.toContain(left);
    // Element's "Historical" section on a fresh start: rooms left but not forgotten, through a sync
    // with include_leave (the SDK adds the ones its first sync did not have).
    const fresh = await startSdkClient(hs.baseUrl, sessions.bob!);
    clients.push(fresh);
    expect(fresh.getRoom(declined)).toBeNull();
    const historical = (await fresh.syncLeftRooms()).map((r) => r.roomId);
    fresh.stopClient();
    expect(historical).toContain(declined);
    expect(historical).not.toContain(left);
  });

  test("a forgotten room's history is not readable any more (/messages, /event)", async () => {
    const left = (await alice.createRoom({ preset: Preset.PublicChat, name: "Forget me" })).room_id;
    await bob.joinRoom(left);
    const said = (await alice.sendTextMessage(left, "remember this")).event_id;
    await bob.leave(left);
    expect((await bob.fetchRoomEvent(left, said)).content?.body).toBe("remember this"); // left, not forgotten: readable
    await bob.forget(left, true);
    const messages = await bob.createMessagesRequest(left, null, 10, Direction.Backward).catch((x) => x);
    expect(errcodeOf(messages)).toBe("M_FORBIDDEN");
    const single = await bob.fetchRoomEvent(left, said).catch((x) => x);
    expect(errcodeOf(single)).toBe("M_NOT_FOUND");
  });

  test("a poll: votes are references to the poll, listed by /relations", async () => {
    const poll = await alice.sendEvent(
      roomId,
      "m.poll.start" as never,
      {
        "m.poll": {
          question: { "m.text": [{ body: "Tea or coffee?" }] },
          kind: "m.disclosed",
          max_selections: 1,
          answers: [
            { id: "tea", "m.text": [{ body: "Tea" }] },
            { id: "coffee", "m.text": [{ body: "Coffee" }] },
          ],
        },
      } as never,
    );
    await timelineEvent(bob, roomId, poll.event_id);
    const vote = await bob.sendEvent(
      roomId,
      "m.poll.response" as never,
      {
        "m.relates_to": { rel_type: RelationType.Reference, event_id: poll.event_id },
        "m.selections": ["tea"],
      } as never,
    );
    const rel = await alice.relations(roomId, poll.event_id, RelationType.Reference);
    expect(rel.events.map((e) => e.getId())).toEqual([vote.event_id]);
    expect(rel.events[0]?.getContent()["m.selections"]).toEqual(["tea"]);
  });

  test("pinned events: Alice pins a message, Bob's client sees the pin and loads the event", async () => {
    const msg = (await alice.sendTextMessage(roomId, "Rules: be kind")).event_id;
    await alice.sendStateEvent(roomId, EventType.RoomPinnedEvents, { pinned: [msg] });
    const pinned = await until(
      "Bob sees the pin",
      () => bob.getRoom(roomId)?.currentState.getStateEvents(EventType.RoomPinnedEvents, "")?.getContent().pinned,
      20_000,
      bob,
    );
    expect(pinned).toEqual([msg]);
    expect((await bob.fetchRoomEvent(roomId, msg)).content?.body).toBe("Rules: be kind");
  });

  test("the notifications panel lists a mention of Bob", async () => {
    const mention = (
      await alice.sendMessage(roomId, {
        msgtype: MsgType.Text,
        body: "Bob, the oven!",
        "m.mentions": { user_ids: [uid("bob")] },
      } as RoomMessageEventContent)
    ).event_id;
    await timelineEvent(bob, roomId, mention);
    const res = await bob.http.authedRequest<{ notifications: { event: { event_id: string }; read: boolean }[] }>(
      "GET" as never,
      "/notifications",
      { limit: "10", only: "highlight" },
    );
    expect(res.notifications.map((n) => n.event.event_id)).toContain(mention);
  });

  test("finding people: the user directory, then their profile", async () => {
    const found = await alice.searchUserDirectory({ term: "carol" });
    expect(found.results.map((r) => r.user_id)).toEqual([uid("carol")]);
    expect(found.results[0]?.display_name).toBe("Caroline");
    expect((await alice.getProfileInfo(uid("carol"))).displayname).toBe("Caroline");
  });

  test("reporting a message", async () => {
    const bad = (await carol.sendTextMessage(roomId, "something rude")).event_id;
    await timelineEvent(alice, roomId, bad);
    await alice.reportEvent(roomId, bad, -100, "rude");
    const missing = await alice.reportEvent(roomId, `$${"A".repeat(43)}`, -100, "rude").catch((e) => e);
    expect(errcodeOf(missing)).toBe("M_NOT_FOUND");
  });

  test("room settings: addresses, publishing, join rule, and making Bob a moderator", async () => {
    const settingsRoom = (await alice.createRoom({ preset: Preset.PrivateChat, name: "Settings" })).room_id;
    // Local addresses, then the published (canonical) address and an alternative.
    await alice.createAlias(`#settings:${hs.serverName}`, settingsRoom);
    await alice.createAlias(`#settings-alt:${hs.serverName}`, settingsRoom);
    expect((await alice.getLocalAliases(settingsRoom)).aliases.sort()).toEqual(
      [`#settings:${hs.serverName}`, `#settings-alt:${hs.serverName}`].sort(),
    );
    await alice.sendStateEvent(settingsRoom, EventType.RoomCanonicalAlias, {
      alias: `#settings:${hs.serverName}`,
      alt_aliases: [`#settings-alt:${hs.serverName}`],
    });
    // An address that does not point here is refused as canonical.
    const wrong = await alice
      .sendStateEvent(settingsRoom, EventType.RoomCanonicalAlias, { alias: `#kitchen:${hs.serverName}` })
      .catch((e) => e);
    expect(errcodeOf(wrong)).toBe("M_BAD_ALIAS");

    // Publish it: the directory lists it only once it is public and published.
    await alice.setRoomDirectoryVisibility(settingsRoom, Visibility.Public);
    expect((await alice.getRoomDirectoryVisibility(settingsRoom)).visibility).toBe(Visibility.Public);
    await alice.sendStateEvent(settingsRoom, EventType.RoomJoinRules, { join_rule: JoinRule.Public });
    const listed = await bob.publicRooms({ filter: { generic_search_term: "Settings" } });
    expect(listed.chunk.map((r) => r.room_id)).toEqual([settingsRoom]);
    expect(listed.chunk[0]?.canonical_alias).toBe(`#settings:${hs.serverName}`);
    await bob.joinRoom(`#settings-alt:${hs.serverName}`);
    await until(
      "Alice sees Bob join",
      () => alice.getRoom(settingsRoom)?.getMember(uid("bob"))?.membership === "join",
      20_000,
      alice,
    );
    await alice.setRoomDirectoryVisibility(settingsRoom, Visibility.Private);
    expect((await bob.publicRooms({ filter: { generic_search_term: "Settings" } })).chunk).toEqual([]);

    // Bob may not kick until Alice makes him a moderator.
    await carol.joinRoom(settingsRoom);
    const refused = await bob.kick(settingsRoom, uid("carol")).catch((e) => e);
    expect(errcodeOf(refused)).toBe("M_FORBIDDEN");
    await alice.setPowerLevel(settingsRoom, uid("bob"), 50);
    await until(
      "Bob's client sees his new power",
      () => bob.getRoom(settingsRoom)?.getMember(uid("bob"))?.powerLevel === 50,
      20_000,
      bob,
    );
    await bob.kick(settingsRoom, uid("carol"), "testing my powers");
    await until(
      "Carol sees she was kicked",
      () => carol.getRoom(settingsRoom)?.getMyMembership() === "leave",
      20_000,
      carol,
    );
    // Removing an address: the canonical alias no longer resolves.
    await alice.deleteAlias(`#settings-alt:${hs.serverName}`);
    const gone = await bob.getRoomIdForAlias(`#settings-alt:${hs.serverName}`).catch((e) => e);
    expect(errcodeOf(gone)).toBe("M_NOT_FOUND");
  });

  test("room preview: Bob, not in the room, sees its summary before joining (as Element's preview bar)", async () => {
    const preview = (
      await alice.createRoom({
        preset: Preset.PublicChat,
        name: "Garden",
        topic: "Weeds and seeds",
        room_alias_name: "garden",
      })
    ).room_id;
    const summary = await bob.getRoomSummary(`#garden:${hs.serverName}`);
    expect(summary).toMatchObject({
      room_id: preview,
      name: "Garden",
      topic: "Weeds and seeds",
      num_joined_members: 1,
      join_rule: "public",
      canonical_alias: `#garden:${hs.serverName}`,
    });
    expect(summary.membership).toBe("leave"); // authenticated, and not in the room
    await bob.joinRoom(preview);
    expect((await bob.getRoomSummary(preview)).membership).toBe("join");
  });

  test("what does not notify: edits, reactions, redactions, joins and state changes leave Bob's count alone", async () => {
    const quiet = (await alice.createRoom({ preset: Preset.PublicChat, name: "Quiet" })).room_id;
    await bob.joinRoom(quiet);
    const first = (await alice.sendTextMessage(quiet, "the only message that counts")).event_id;
    const ev = await timelineEvent(bob, quiet, first);
    await bob.sendReadReceipt(ev);
    const room = bob.getRoom(quiet)!;
    await until(
      "Bob's count is 0",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 0,
      20_000,
      bob,
    );

    await alice.sendMessage(quiet, {
      msgtype: MsgType.Text,
      body: "* the only message that counts!",
      "m.new_content": { msgtype: MsgType.Text, body: "the only message that counts!" },
      "m.relates_to": { rel_type: RelationType.Replace, event_id: first },
    } as RoomMessageEventContent);
    await alice.sendEvent(quiet, EventType.Reaction, {
      "m.relates_to": { rel_type: RelationType.Annotation, event_id: first, key: "🎉" },
    });
    await carol.joinRoom(quiet);
    await alice.setRoomTopic(quiet, "shh");
    const extra = (await alice.sendTextMessage(quiet, "oops")).event_id;
    await alice.redactEvent(quiet, extra);
    const last = (await alice.sendTextMessage(quiet, "this one counts")).event_id;
    await timelineEvent(bob, quiet, last);
    // The redacted "oops" does not count any more either.
    await until(
      "Bob's count is 1 after the noise",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 1,
      20_000,
      bob,
    );
    expect(room.getUnreadNotificationCount(NotificationCountType.Highlight)).toBe(0);
  });

  test("redacted replies and reactions leave the thread summary, the thread list and /relations", async () => {
    const rootId = (await alice.sendTextMessage(roomId, "A thread that will be cleaned up")).event_id;
    await timelineEvent(bob, roomId, rootId);
    const replyId = (
      await bob.sendMessage(roomId, rootId, {
        msgtype: MsgType.Text,
        body: "spam in a thread",
      } as RoomMessageEventContent)
    ).event_id;
    const reactionId = (
      await bob.sendEvent(roomId, EventType.Reaction, {
        "m.relates_to": { rel_type: RelationType.Annotation, event_id: rootId, key: "💩" },
      })
    ).event_id;
    expect((await alice.fetchRoomEvent(roomId, rootId)).unsigned?.["m.relations"]?.[RelationType.Thread]?.count).toBe(
      1,
    );
    await alice.redactEvent(roomId, replyId);
    await alice.redactEvent(roomId, reactionId);
    const root = await alice.fetchRoomEvent(roomId, rootId);
    expect(root.unsigned?.["m.relations"]?.[RelationType.Thread]).toBeUndefined();
    const threads = await alice.http.authedRequest<{ chunk: { event_id: string }[] }>(
      "GET" as never,
      `/rooms/${encodeURIComponent(roomId)}/threads`,
      { limit: "50" },
      undefined,
      { prefix: "/_matrix/client/v1" } as never,
    );
    expect(threads.chunk.map((e) => e.event_id)).not.toContain(rootId);
    const reactions = await alice.relations(roomId, rootId, RelationType.Annotation);
    expect(reactions.events.map((e) => e.getId())).toEqual([]);
    // And Alice's live client drops the reply from the thread.
    await until(
      "Alice's thread loses the redacted reply",
      () => {
        const t = alice.getRoom(roomId)?.getThread(rootId);
        const reply = t?.findEventById(replyId);
        return !t || !reply || reply.isRedacted();
      },
      20_000,
      alice,
    );
  });

  test("jump to date finds the first message of the day (/timestamp_to_event)", async () => {
    const first = (await alice.sendTextMessage(roomId, "good morning")).event_id;
    const ev = await timelineEvent(bob, roomId, first);
    await alice.sendTextMessage(roomId, "later that day");
    // The first event at or after the time (another sent in the same millisecond may come first).
    const found = await bob.timestampToEvent(roomId, ev.getTs(), Direction.Forward);
    expect(found.origin_server_ts).toBe(ev.getTs());
    if (found.event_id !== first)
      expect((await bob.fetchRoomEvent(roomId, found.event_id)).origin_server_ts).toBe(ev.getTs());
    // The last one before it.
    const before = await bob.timestampToEvent(roomId, ev.getTs() - 1, Direction.Backward);
    expect(before.origin_server_ts).toBeLessThan(ev.getTs());
  });

  test("@room from an admin highlights for everyone; from someone without the power it does not", async () => {
    const r = (await alice.createRoom({ preset: Preset.PublicChat, name: "Announcements" })).room_id;
    await bob.joinRoom(r);
    await carol.joinRoom(r);
    const bobRoom = await until("Bob's room", () => bob.getRoom(r), 20_000, bob);
    const carolAll = (
      await carol.sendMessage(r, {
        msgtype: MsgType.Text,
        body: "@room free pizza",
        "m.mentions": { room: true },
      } as RoomMessageEventContent)
    ).event_id;
    await timelineEvent(bob, r, carolAll);
    const aliceAll = (
      await alice.sendMessage(r, {
        msgtype: MsgType.Text,
        body: "@room meeting at noon",
        "m.mentions": { room: true },
      } as RoomMessageEventContent)
    ).event_id;
    await timelineEvent(bob, r, aliceAll);
    await until(
      "Bob's highlight count is 1 (Alice's @room only)",
      () => bobRoom.getUnreadNotificationCount(NotificationCountType.Highlight) === 1,
      20_000,
      bob,
    );
    expect(bobRoom.getUnreadNotificationCount(NotificationCountType.Total)).toBe(2);
  });

  test("capabilities tell Element what it may offer", async () => {
    const caps = await alice.getCapabilities();
    expect(caps["m.change_password"]?.enabled).toBe(true);
    expect(caps["m.room_versions"]?.default).toBe("12");
    expect(caps["m.set_displayname"]?.enabled ?? true).toBe(true);
  });

  test("no client met a sync error, and no sync repeated a timeline event, and the server logged no error", () => {
    expect(syncErrors).toEqual({ alice: [], bob: [], carol: [] });
    expect(serverProblems(hs.log())).toEqual([]);
    expect([alice, bob, carol].flatMap(repeatedTimelineEvents)).toEqual([]);
  });
});
