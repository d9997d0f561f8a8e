/**
 * A laptop asleep while things happen, against the homeserver program (the compiled binary in CI):
 * Bob's first client is held offline (its /sync requests wait) while his phone and the others act;
 * when it wakes, one incremental sync from its old token must bring its view up to date: invites
 * accepted and rooms left elsewhere, a kick and a rejoin, renames hidden in a gap, a ban, account data
 * and receipts, all as the SDK shows them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EventTimeline, EventType, type MatrixClient, Preset, TimelineWindow } from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  FAST_HASHING_ENV,
  loginUser,
  pauseSync,
  recordSyncErrors,
  registerUser,
  repeatedTimelineEvents,
  resumeSync,
  type SdkSession,
  serverProblems,
  startSdkClient,
  stopAll,
  syncHeld,
  syncLog,
  timelineEvent,
  until,
  within,
} from "../helpers/sdk-clients";

let hs: BinaryServer;
const clients: MatrixClient[] = [];
const syncErrors: string[][] = [];
let alice: MatrixClient;
let laptop: MatrixClient; // Bob's, asleep in each test
let phone: MatrixClient; // Bob's, awake
const sessions: Record<string, SdkSession> = {};
const uid = (name: string) => `@${name}:${hs.serverName}`;

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "offline.e2e.test", env: FAST_HASHING_ENV });
  sessions.alice = await registerUser(hs.baseUrl, "alice", "alice password");
  sessions.laptop = await registerUser(hs.baseUrl, "bob", "bob password", { deviceId: "LAPTOP" });
  sessions.phone = await loginUser(hs.baseUrl, "bob", "bob password", "PHONE");
  [alice, laptop, phone] = await Promise.all([start(sessions.alice), start(sessions.laptop), start(sessions.phone)]);
}, 30_000);
afterAll(async () => {
  stopAll(clients);
  await hs?.cleanup();
});

async function start(s: SdkSession): Promise<MatrixClient> {
  const c = await startSdkClient(hs.baseUrl, s);
  syncErrors.push(recordSyncErrors(c));
  clients.push(c);
  return c;
}

/** Puts the laptop to sleep: its long-poll comes back (woken by Bob's own account data) and the next one waits. */
async function sleepLaptop(): Promise<void> {
  pauseSync(laptop);
  await phone.setAccountData("org.example.nap" as never, { at: Date.now() } as never);
  await within("the laptop asleep", syncHeld(laptop));
}

/** Wakes the laptop and waits until its first sync after the nap is processed. */
async function wakeLaptop(): Promise<void> {
  const before = syncLog.get(laptop)!.length;
  resumeSync(laptop);
  await until("the laptop's first sync after waking", () => syncLog.get(laptop)!.length > before, 20_000, laptop);
  // ...and processed: the SDK emits its sync state after handling the response.
  await until("the laptop processed it", () => laptop.getSyncState() === "SYNCING", 20_000, laptop);
}

describe("Bob's laptop wakes up to what happened meanwhile", () => {
  test("invited and joined on the phone while asleep: the laptop wakes up joined, with the room's name and messages", async () => {
    await sleepLaptop();
    const roomId = (await alice.createRoom({ preset: Preset.PrivateChat, name: "Holiday plans", invite: [uid("bob")] }))
      .room_id;
    await until("the phone's invite", () => phone.getRoom(roomId)?.getMyMembership() === "invite", 20_000, phone);
    await phone.joinRoom(roomId);
    const said = (await alice.sendTextMessage(roomId, "Beach or mountains?")).event_id;
    await wakeLaptop();
    const room = await until("the laptop has the room", () => laptop.getRoom(roomId), 20_000, laptop);
    expect(room.getMyMembership()).toBe("join");
    expect(room.name).toBe("Holiday plans");
    expect((await timelineEvent(laptop, roomId, said)).getContent().body).toBe("Beach or mountains?");
  });

  test("left on the phone while asleep: the laptop files the room as left, with the messages before the leave", async () => {
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Book club" })).room_id;
    await phone.joinRoom(roomId);
    await until("the laptop sees the room", () => laptop.getRoom(roomId)?.getMyMembership() === "join", 20_000, laptop);
    await sleepLaptop();
    const last = (await alice.sendTextMessage(roomId, "Chapter 3 for next week")).event_id;
    await timelineEvent(phone, roomId, last);
    await phone.leave(roomId);
    await alice.sendTextMessage(roomId, "said after Bob left");
    await wakeLaptop();
    await until(
      "the laptop files it as left",
      () => laptop.getRoom(roomId)?.getMyMembership() === "leave",
      20_000,
      laptop,
    );
    const bodies = laptop
      .getRoom(roomId)!
      .getLiveTimeline()
      .getEvents()
      .map((e) => e.getContent().body);
    expect(bodies).toContain("Chapter 3 for next week");
    expect(bodies).not.toContain("said after Bob left");
  });

  test("kicked and invited back and rejoined while asleep: the laptop shows Bob joined, with the current state", async () => {
    const roomId = (await alice.createRoom({ preset: Preset.PrivateChat, name: "Choir", invite: [uid("bob")] }))
      .room_id;
    await until("the phone's invite", () => phone.getRoom(roomId)?.getMyMembership() === "invite", 20_000, phone);
    await phone.joinRoom(roomId);
    await until("the laptop sees the room", () => laptop.getRoom(roomId)?.getMyMembership() === "join", 20_000, laptop);
    await sleepLaptop();
    await alice.kick(roomId, uid("bob"), "oops");
    await alice.setRoomName(roomId, "Choir (tenors)");
    await alice.invite(roomId, uid("bob"));
    await until("the phone's new invite", () => phone.getRoom(roomId)?.getMyMembership() === "invite", 20_000, phone);
    await phone.joinRoom(roomId);
    const msg = (await alice.sendTextMessage(roomId, "welcome back")).event_id;
    await wakeLaptop();
    await timelineEvent(laptop, roomId, msg);
    const room = laptop.getRoom(roomId)!;
    expect(room.getMyMembership()).toBe("join");
    expect(room.name).toBe("Choir (tenors)");
  });

  test("renamed many times in a gap: the laptop's state is the latest, and scrolling back crosses the gap", async () => {
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Name 0" })).room_id;
    await phone.joinRoom(roomId);
    await until("the laptop sees the room", () => laptop.getRoom(roomId)?.getMyMembership() === "join", 20_000, laptop);
    await sleepLaptop();
    for (let i = 1; i <= 5; i++) {
      await alice.setRoomName(roomId, `Name ${i}`);
      for (let j = 0; j < 15; j++) await alice.sendTextMessage(roomId, `after rename ${i}: ${j}`);
    }
    await alice.setRoomTopic(roomId, "settled");
    for (let j = 0; j < 30; j++) await alice.sendTextMessage(roomId, `tail ${j}`);
    await wakeLaptop();
    const room = laptop.getRoom(roomId)!;
    await until("the laptop shows the latest name", () => room.name === "Name 5", 20_000, laptop);
    expect(room.currentState.getStateEvents(EventType.RoomTopic, "")?.getContent().topic).toBe("settled");
    const limited = syncLog.get(laptop)!.some((r) => r.body.rooms?.join?.[roomId]?.timeline?.limited);
    expect(limited).toBe(true);
    // Scrolling back across the gap finds every message and every rename, in order.
    const window = new TimelineWindow(laptop, room.getUnfilteredTimelineSet(), { windowLimit: 1000 });
    await window.load(undefined, 20);
    for (let page = 0; window.canPaginate(EventTimeline.BACKWARDS); page++) {
      if (page > 50) throw new Error("the laptop's timeline did not reach the start in 50 pages");
      await window.paginate(EventTimeline.BACKWARDS, 50);
    }
    const seen = window.getEvents();
    const names = seen.filter((e) => e.getType() === EventType.RoomName).map((e) => e.getContent().name);
    expect(names).toEqual(["Name 0", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5"]);
    expect(seen.filter((e) => e.getType() === EventType.RoomMessage).length).toBe(5 * 15 + 30);
    expect(new Set(seen.map((e) => e.getId())).size).toBe(seen.length);
  });

  test("banned while asleep: the laptop shows the ban", async () => {
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Strict" })).room_id;
    await phone.joinRoom(roomId);
    await until("the laptop sees the room", () => laptop.getRoom(roomId)?.getMyMembership() === "join", 20_000, laptop);
    await sleepLaptop();
    await alice.ban(roomId, uid("bob"), "rules");
    await wakeLaptop();
    await until("the laptop shows the ban", () => laptop.getRoom(roomId)?.getMyMembership() === "ban", 20_000, laptop);
  });

  test("account data, tags and a read receipt set on the phone while asleep reach the laptop", async () => {
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Receipts" })).room_id;
    await phone.joinRoom(roomId);
    const msg = (await alice.sendTextMessage(roomId, "read me")).event_id;
    await timelineEvent(laptop, roomId, msg);
    await sleepLaptop();
    await phone.setRoomTag(roomId, "m.lowpriority", {});
    await phone.setAccountData("org.example.settings" as never, { theme: "dark" } as never);
    await phone.sendReadReceipt(await timelineEvent(phone, roomId, msg));
    await wakeLaptop();
    const room = laptop.getRoom(roomId)!;
    await until("the tag", () => room.tags["m.lowpriority"], 20_000, laptop);
    expect(laptop.getAccountData("org.example.settings" as never)?.getContent()).toEqual({ theme: "dark" });
    await until("Bob's own receipt", () => room.getEventReadUpTo(uid("bob")) === msg, 20_000, laptop);
  });

  test("no client met a sync error, none was sent a timeline event twice, and the server logged no error", () => {
    expect(syncErrors.flat()).toEqual([]);
    expect([alice, laptop, phone].flatMap(repeatedTimelineEvents)).toEqual([]);
    expect(serverProblems(hs.log())).toEqual([]);
  });
});
