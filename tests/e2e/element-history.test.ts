/**
 * Element flows over history and room organisation, against the homeserver program (the compiled
 * binary in CI), with open registration: scrolling back through 320 messages (a live client that
 * got a limited sync, and a late joiner), history visibility for late joiners, room upgrades
 * followed by the other client, spaces and their hierarchy, push-rule changes arriving through
 * account data and deciding counts, and presence.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ConditionKind,
  Direction,
  EventTimeline,
  EventType,
  type MatrixClient,
  type MatrixEvent,
  NotificationCountType,
  Preset,
  PushRuleActionName,
  PushRuleKind,
  type Room,
  TimelineWindow,
  TweakName,
  Visibility,
} from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  FAST_HASHING_ENV,
  pauseSync,
  recordSyncErrors,
  registerUser,
  repeatedTimelineEvents,
  resumeSync,
  type SdkSession,
  serverProblems,
  startSdkClient,
  stopAll,
  syncLog,
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

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "history.e2e.test", env: FAST_HASHING_ENV });
  for (const name of ["alice", "bob", "carol"]) {
    sessions[name] = await registerUser(hs.baseUrl, name, `${name} password`);
  }
  [alice, bob] = await Promise.all([start("alice"), start("bob")]);
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

/** Scrolls the room's live timeline back to its first event, as Element does when the user scrolls up. */
async function scrollToStart(client: MatrixClient, room: Room): Promise<void> {
  for (let page = 0; room.oldState.paginationToken !== null; page++) {
    if (page > 100) throw new Error(`${client.getUserId()} did not reach the start of ${room.roomId} in 100 pages`);
    await client.scrollback(room, 50);
  }
}

const messageBodies = (room: Room) =>
  room
    .getLiveTimeline()
    .getEvents()
    .filter((e: MatrixEvent) => e.getType() === EventType.RoomMessage)
    .map((e: MatrixEvent) => e.getContent().body as string);

async function joinedBy(client: MatrixClient, roomId: string, userId: string): Promise<void> {
  await until(
    `${client.getUserId()} sees ${userId} joined ${roomId}`,
    () => client.getRoom(roomId)?.getMember(userId)?.membership === "join",
    20_000,
    client,
  );
}

const N = 320;

describe("history, upgrades, spaces, push rules and presence through matrix-js-sdk", () => {
  let historyRoom: string;
  test(`${N} messages: Bob, waking from sleep to a limited sync, and Carol, joining late, scroll back through all of them with no gap or repeat`, async () => {
    historyRoom = (await alice.createRoom({ preset: Preset.PublicChat, name: "Archive", room_alias_name: "archive" }))
      .room_id;
    await bob.joinRoom(historyRoom);
    await joinedBy(alice, historyRoom, uid("bob"));
    const expected: string[] = [];
    let last = "";
    // Bob's laptop sleeps through most of it: its next /sync is held until the burst is over.
    pauseSync(bob);
    for (let i = 0; i < N; i++) {
      const body = `message ${i}`;
      expected.push(body);
      last = (await alice.sendTextMessage(historyRoom, body)).event_id;
    }
    resumeSync(bob);
    await timelineEvent(bob, historyRoom, last);
    // It woke to a limited timeline: a gap between what it had and the latest messages.
    const limited = (syncLog.get(bob) ?? []).filter((r) => r.body.rooms?.join?.[historyRoom]?.timeline?.limited);
    expect(limited.length).toBeGreaterThan(0);
    // Element's timeline view: a window on the live timeline, paginated back across the gap (the SDK
    // links the new live timeline to the one from before the gap when the pages meet).
    const bobRoom = bob.getRoom(historyRoom)!;
    const window = new TimelineWindow(bob, bobRoom.getUnfilteredTimelineSet(), { windowLimit: 2000 });
    await window.load(undefined, 20);
    for (let page = 0; window.canPaginate(EventTimeline.BACKWARDS); page++) {
      if (page > 100) throw new Error("Bob's timeline window did not reach the start in 100 pages");
      await window.paginate(EventTimeline.BACKWARDS, 50);
    }
    const seen = window.getEvents();
    expect(seen.filter((e) => e.getType() === EventType.RoomMessage).map((e) => e.getContent().body)).toEqual(expected);
    expect(seen[0]?.getType()).toBe(EventType.RoomCreate);
    expect(new Set(seen.map((e) => e.getId())).size).toBe(seen.length);

    // Carol joins afterwards (history is shared) and starts from a 20-event initial sync.
    carol = await start("carol");
    await carol.joinRoom(`#archive:${hs.serverName}`);
    const carolRoom = await until("Carol's room", () => carol.getRoom(historyRoom), 20_000, carol);
    await scrollToStart(carol, carolRoom);
    expect(messageBodies(carolRoom)).toEqual(expected);
    const ids = carolRoom
      .getLiveTimeline()
      .getEvents()
      .map((e) => e.getId());
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);

  test("a busy room: three people talking at once, typing and reading; every client ends with the same history", async () => {
    const busy = (await alice.createRoom({ preset: Preset.PublicChat, name: "Busy" })).room_id;
    await bob.joinRoom(busy);
    await carol.joinRoom(busy);
    await joinedBy(alice, busy, uid("carol"));
    await joinedBy(alice, busy, uid("bob"));
    const talk = async (c: MatrixClient, name: string) => {
      for (let i = 0; i < 40; i++) {
        if (i % 10 === 0) await c.sendTyping(busy, true, 5_000);
        const { event_id } = await c.sendTextMessage(busy, `${name} ${i}`);
        if (i % 7 === 0) {
          const ev = c.getRoom(busy)?.findEventById(event_id);
          if (ev) await c.sendReadReceipt(ev);
        }
      }
      await c.sendTyping(busy, false, 0);
      return c.sendTextMessage(busy, `${name} done`);
    };
    const done = await Promise.all([talk(alice, "alice"), talk(bob, "bob"), talk(carol, "carol")]);
    const histories: string[][] = [];
    for (const c of [alice, bob, carol]) {
      for (const d of done) await timelineEvent(c, busy, d.event_id);
      const room = c.getRoom(busy)!;
      const window = new TimelineWindow(c, room.getUnfilteredTimelineSet(), { windowLimit: 1000 });
      await window.load(undefined, 50);
      for (let page = 0; window.canPaginate(EventTimeline.BACKWARDS); page++) {
        if (page > 50) throw new Error(`${c.getUserId()}'s window did not reach the start`);
        await window.paginate(EventTimeline.BACKWARDS, 50);
      }
      histories.push(
        window
          .getEvents()
          .filter((e) => e.getType() === EventType.RoomMessage)
          .map((e) => e.getContent().body as string),
      );
    }
    // The server's order, from /messages.
    const fromServer: string[] = [];
    let from: string | null = null;
    for (;;) {
      const page = await carol.createMessagesRequest(busy, from, 100, Direction.Forward);
      fromServer.push(
        ...page.chunk.filter((e) => e.type === EventType.RoomMessage).map((e) => e.content.body as string),
      );
      if (!page.end || page.chunk.length === 0) break;
      from = page.end;
    }
    expect(fromServer.length).toBe(3 * 41);
    expect(new Set(fromServer).size).toBe(fromServer.length);
    for (const h of histories) expect(h).toEqual(fromServer);
    // Each person's own messages are in the order they sent them.
    for (const name of ["alice", "bob", "carol"]) {
      const mine = fromServer.filter((b) => b.startsWith(`${name} `));
      expect(mine).toEqual([...Array.from({ length: 40 }, (_, i) => `${name} ${i}`), `${name} done`]);
    }
  }, 60_000);

  test("history visibility: a late joiner sees nothing from before her join when it is 'joined'", async () => {
    const roomId = (
      await alice.createRoom({
        preset: Preset.PublicChat,
        name: "Members only history",
        initial_state: [
          { type: EventType.RoomHistoryVisibility, state_key: "", content: { history_visibility: "joined" } },
        ],
      })
    ).room_id;
    const before = await alice.sendTextMessage(roomId, "said before Carol came");
    await carol.joinRoom(roomId);
    await joinedBy(alice, roomId, uid("carol"));
    const after = await alice.sendTextMessage(roomId, "said after Carol came");
    await timelineEvent(carol, roomId, after.event_id);
    const room = carol.getRoom(roomId)!;
    await scrollToStart(carol, room);
    expect(messageBodies(room)).toEqual(["said after Carol came"]);
    const e = await carol.fetchRoomEvent(roomId, before.event_id).catch((x: { errcode?: string }) => x);
    expect((e as { errcode?: string }).errcode).toBe("M_NOT_FOUND");
    // Alice, there from the start, still sees both.
    const aliceRoom = alice.getRoom(roomId)!;
    await scrollToStart(alice, aliceRoom);
    expect(messageBodies(aliceRoom)).toEqual(["said before Carol came", "said after Carol came"]);
  });

  test("history visibility 'invited': a late joiner sees what was said from her invite on", async () => {
    const roomId = (
      await alice.createRoom({
        preset: Preset.PrivateChat,
        name: "From the invite on",
        initial_state: [
          { type: EventType.RoomHistoryVisibility, state_key: "", content: { history_visibility: "invited" } },
        ],
      })
    ).room_id;
    await alice.sendTextMessage(roomId, "before the invite");
    await alice.invite(roomId, uid("carol"));
    await alice.sendTextMessage(roomId, "while Carol is invited");
    await until("Carol's invite", () => carol.getRoom(roomId)?.getMyMembership() === "invite", 20_000, carol);
    await carol.joinRoom(roomId);
    const after = (await alice.sendTextMessage(roomId, "after Carol joined")).event_id;
    await timelineEvent(carol, roomId, after);
    const room = carol.getRoom(roomId)!;
    await scrollToStart(carol, room);
    expect(messageBodies(room)).toEqual(["while Carol is invited", "after Carol joined"]);
  });

  test("room upgrade: Bob's client sees the tombstone, follows it, and the old room drops out of view", async () => {
    const oldRoom = (
      await alice.createRoom({
        preset: Preset.PublicChat,
        visibility: Visibility.Public,
        name: "Old hall",
        room_alias_name: "hall",
      })
    ).room_id;
    await bob.joinRoom(oldRoom);
    await joinedBy(alice, oldRoom, uid("bob"));
    await alice.sendTextMessage(oldRoom, "last words in the old room");
    const { replacement_room: newRoom } = await alice.upgradeRoom(oldRoom, "12");
    expect(newRoom).not.toBe(oldRoom);

    const tombstone = await until(
      "Bob sees the tombstone",
      () => bob.getRoom(oldRoom)?.currentState.getStateEvents(EventType.RoomTombstone, ""),
      20_000,
      bob,
    );
    expect(tombstone.getContent().replacement_room).toBe(newRoom);
    // Element's "join the new room" button.
    await bob.joinRoom(tombstone.getContent().replacement_room);
    const bobNew = await until("Bob's client has the new room", () => bob.getRoom(newRoom), 20_000, bob);
    expect(bobNew.findPredecessor()?.roomId).toBe(oldRoom);
    await until("Bob's new room is named like the old one", () => bobNew.name === "Old hall", 20_000, bob);
    const visible = bob.getVisibleRooms().map((r) => r.roomId);
    expect(visible).toContain(newRoom);
    expect(visible).not.toContain(oldRoom);
    // verifyLinks: the new room's create event must point back at the old room, as the tombstone points forward.
    expect(bob.getRoomUpgradeHistory(newRoom, true).map((r) => r.roomId)).toEqual([oldRoom, newRoom]);
    // The alias and the directory entry moved with it.
    expect((await bob.getRoomIdForAlias(`#hall:${hs.serverName}`)).room_id).toBe(newRoom);
    const listed = (await bob.publicRooms({ filter: { generic_search_term: "Old hall" } })).chunk.map((r) => r.room_id);
    expect(listed).toEqual([newRoom]);
    // The old room refuses new messages from Bob (power levels raised).
    const refused = await bob.sendTextMessage(oldRoom, "still here?").catch((x: { errcode?: string }) => x);
    expect((refused as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
  });

  test("upgrading a DM: Bob's favourite, mute rule and m.direct entry follow him to the new room", async () => {
    const dm = (await alice.createRoom({ preset: Preset.TrustedPrivateChat, is_direct: true, invite: [uid("bob")] }))
      .room_id;
    await until("Bob's DM invite", () => bob.getRoom(dm)?.getMyMembership() === "invite", 20_000, bob);
    await bob.joinRoom(dm);
    await alice.setAccountData(EventType.Direct, { [uid("bob")]: [dm] });
    await bob.setAccountData(EventType.Direct, { [uid("alice")]: [dm] });
    await bob.setRoomTag(dm, "m.favourite", { order: 0.25 });
    // Element's "Mute" for a room: an override rule named after the room.
    await bob.addPushRule("global", PushRuleKind.Override, dm, {
      conditions: [{ kind: ConditionKind.EventMatch, key: "room_id", pattern: dm }],
      actions: [],
    });
    await joinedBy(alice, dm, uid("bob"));

    const { replacement_room: next } = await alice.upgradeRoom(dm, "12");
    // The new room is invite-only too: Element's upgrade dialog invites the old room's members.
    await alice.invite(next, uid("bob"));
    await until("Bob's invite to the new room", () => bob.getRoom(next)?.getMyMembership() === "invite", 20_000, bob);
    await bob.joinRoom(next);
    const room = await until("Bob's client has the new DM", () => bob.getRoom(next), 20_000, bob);
    await until("the new room is Bob's favourite too", () => room.tags["m.favourite"]?.order === 0.25, 20_000, bob);
    await until(
      "Bob's m.direct lists the new room with Alice",
      () => (bob.getAccountData(EventType.Direct)?.getContent()[uid("alice")] as string[] | undefined)?.includes(next),
      20_000,
      bob,
    );
    await until(
      "Alice's m.direct lists the new room with Bob",
      () => (alice.getAccountData(EventType.Direct)?.getContent()[uid("bob")] as string[] | undefined)?.includes(next),
      20_000,
      alice,
    );
    const mute = await until(
      "Bob's new room is muted",
      () => bob.pushRules?.global.override?.find((r) => r.rule_id === next),
      20_000,
      bob,
    );
    expect(mute.conditions).toEqual([{ kind: ConditionKind.EventMatch, key: "room_id", pattern: next }]);
    expect(mute.actions).toEqual([]);
    // The old room's settings stay as they were.
    expect(bob.getRoom(dm)?.tags["m.favourite"]?.order).toBe(0.25);
    expect(bob.pushRules?.global.override?.some((r) => r.rule_id === dm)).toBe(true);
  });

  test("spaces: Bob browses the hierarchy, sees the public child and not the private one, and joins", async () => {
    const space = (
      await alice.createRoom({
        preset: Preset.PublicChat,
        name: "Family",
        creation_content: { type: "m.space" },
        power_level_content_override: { events_default: 100 },
      })
    ).room_id;
    const secret = (await alice.createRoom({ preset: Preset.PrivateChat, name: "Presents" })).room_id;
    const via = [hs.serverName];
    await alice.sendStateEvent(space, EventType.SpaceChild, { via, suggested: true }, historyRoom);
    await alice.sendStateEvent(space, EventType.SpaceChild, { via }, secret);
    await alice.sendStateEvent(historyRoom, EventType.SpaceParent, { via, canonical: true }, space);

    const hierarchy = await bob.getRoomHierarchy(space);
    const byId = new Map(hierarchy.rooms.map((r) => [r.room_id, r]));
    expect([...byId.keys()].sort()).toEqual([space, historyRoom].sort());
    expect(byId.get(space)).toMatchObject({ name: "Family", room_type: "m.space", num_joined_members: 1 });
    expect(
      byId
        .get(space)!
        .children_state.map((c) => c.state_key)
        .sort(),
    ).toEqual([historyRoom, secret].sort());
    expect(byId.get(historyRoom)).toMatchObject({ name: "Archive", join_rule: "public" });
    const suggested = await bob.getRoomHierarchy(space, undefined, undefined, true);
    expect(suggested.rooms.map((r) => r.room_id).sort()).toEqual([space, historyRoom].sort());

    await bob.joinRoom(space);
    const bobSpace = await until("Bob's client has the space", () => bob.getRoom(space), 20_000, bob);
    expect(bobSpace.isSpaceRoom()).toBe(true);
    await until(
      "Bob's client sees the space's parent link on the child room",
      () => bob.getRoom(historyRoom)?.currentState.getStateEvents(EventType.SpaceParent, space),
      20_000,
      bob,
    );
  });

  test("push rules: a keyword rule added by Alice arrives through sync and highlights Bob's message; disabling it stops that", async () => {
    await alice.addPushRule("global", PushRuleKind.ContentSpecific, "cake", {
      actions: [
        PushRuleActionName.Notify,
        { set_tweak: TweakName.Highlight },
        { set_tweak: TweakName.Sound, value: "default" },
      ],
      pattern: "cake",
    });
    await until(
      "Alice's client has the cake rule from account data",
      () => alice.pushRules?.global.content?.some((r) => r.rule_id === "cake" && r.enabled),
      20_000,
      alice,
    );
    const room = alice.getRoom(historyRoom)!;
    await alice.sendReadReceipt(room.getLiveTimeline().getEvents().at(-1)!);
    await until(
      "Alice's counts are 0",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 0,
      20_000,
      alice,
    );

    const cake = await bob.sendTextMessage(historyRoom, "who wants cake?");
    const ev = await timelineEvent(alice, historyRoom, cake.event_id);
    expect(alice.getPushActionsForEvent(ev)?.tweaks.highlight).toBe(true);
    await until(
      "Alice's highlight count from the server is 1",
      () => room.getUnreadNotificationCount(NotificationCountType.Highlight) === 1,
      20_000,
      alice,
    );

    await alice.setPushRuleEnabled("global", PushRuleKind.ContentSpecific, "cake", false);
    await until(
      "Alice's client sees the rule disabled",
      () => alice.pushRules?.global.content?.some((r) => r.rule_id === "cake" && !r.enabled),
      20_000,
      alice,
    );
    const more = await bob.sendTextMessage(historyRoom, "more cake!");
    await timelineEvent(alice, historyRoom, more.event_id);
    await until(
      "Alice's counts: 2 unread, still 1 highlight",
      () =>
        room.getUnreadNotificationCount(NotificationCountType.Total) === 2 &&
        room.getUnreadNotificationCount(NotificationCountType.Highlight) === 1,
      20_000,
      alice,
    );
    await alice.deletePushRule("global", PushRuleKind.ContentSpecific, "cake");
    await until(
      "Alice's client sees the rule gone",
      () => !alice.pushRules?.global.content?.some((r) => r.rule_id === "cake"),
      20_000,
      alice,
    );
  });

  test("presence: Alice's status reaches Bob's client live", async () => {
    await alice.setPresence({ presence: "online", status_msg: "baking" });
    await until(
      "Bob sees Alice online, baking",
      () => {
        const u = bob.getUser(uid("alice"));
        return u?.presence === "online" && u.presenceStatusMsg === "baking";
      },
      20_000,
      bob,
    );
    await alice.setPresence({ presence: "unavailable", status_msg: "away from keyboard" });
    await until(
      "Bob sees Alice away",
      () => {
        const u = bob.getUser(uid("alice"));
        return u?.presence === "unavailable" && u.presenceStatusMsg === "away from keyboard";
      },
      20_000,
      bob,
    );
    const fromServer = await bob.getPresence(uid("alice"));
    expect(fromServer).toMatchObject({ presence: "unavailable", status_msg: "away from keyboard" });
  });

  test("no client met a sync error, and no sync repeated a timeline event, and the server logged no error", () => {
    expect(syncErrors).toEqual({ alice: [], bob: [], carol: [] });
    expect(serverProblems(hs.log())).toEqual([]);
    expect([alice, bob, carol].flatMap(repeatedTimelineEvents)).toEqual([]);
  });
});
