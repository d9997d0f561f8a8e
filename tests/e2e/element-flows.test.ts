/**
 * What Element does, against the homeserver program (the compiled binary in CI): three people
 * register with tokens made by `homeserver token create`, each runs a matrix-js-sdk client that lives
 * on /sync, and they use rooms together: public and private rooms, membership and moderation, room
 * name/topic/avatar with uploaded media, messages and images, edits, redactions, threads, reactions,
 * receipts, typing and unread counts seen live by the other client, aliases and the room directory.
 * Every wait has a timeout that names what did not arrive.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  EventType,
  type MatrixClient,
  type MatrixEvent,
  MsgType,
  NotificationCountType,
  Preset,
  RelationType,
  type Room,
  RoomMemberEvent,
  Visibility,
} from "matrix-js-sdk";
import type { RoomMessageEventContent } from "matrix-js-sdk/lib/@types/events";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import { png } from "../helpers/media-images";
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
  within,
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
  hs = await startBinaryServer({ registration: "token", serverName: "element.e2e.test", env: FAST_HASHING_ENV });
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

/** The text bodies of the room's live timeline, oldest first. */
const bodies = (room: Room | null | undefined) =>
  (room?.getLiveTimeline().getEvents() ?? [])
    .filter((e) => e.getType() === EventType.RoomMessage)
    .map((e) => e.getContent().body as string);

describe("Element flows against the homeserver program", () => {
  test("three people register with tokens from `homeserver token create` and start syncing", async () => {
    const created = await hs.cli(["token", "create", "--uses", "3"]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    for (const name of ["alice", "bob", "carol"]) {
      sessions[name] = await registerUser(hs.baseUrl, name, `${name} password`, { token });
    }
    expect(sessions.carol!.userId).toBe(uid("carol"));
    // The token is used up.
    const fourth = await registerUser(hs.baseUrl, "dave", "dave password", { token }).catch((e: Error) => e);
    expect(fourth).toBeInstanceOf(Error);
    [alice, bob, carol] = await Promise.all([start("alice"), start("bob"), start("carol")]);
    await alice.setDisplayName("Alice");
    await bob.setDisplayName("Bob");
  });

  let publicRoom: string;
  test("a public room with an alias, found in the directory by search and joined by alias", async () => {
    const { room_id } = await alice.createRoom({
      preset: Preset.PublicChat,
      visibility: Visibility.Public,
      name: "Hearth lounge",
      topic: "Everything about hearths",
      room_alias_name: "lounge",
    });
    publicRoom = room_id;
    await until("Alice's client has the room", () => alice.getRoom(room_id), 20_000, alice);

    const found = await bob.publicRooms({ filter: { generic_search_term: "lounge" } });
    expect(found.chunk.map((r) => r.room_id)).toEqual([room_id]);
    expect(found.chunk[0]).toMatchObject({
      name: "Hearth lounge",
      topic: "Everything about hearths",
      canonical_alias: `#lounge:${hs.serverName}`,
      num_joined_members: 1,
      world_readable: false,
      guest_can_join: false,
    });
    const none = await bob.publicRooms({ filter: { generic_search_term: "no such room anywhere" } });
    expect(none.chunk).toEqual([]);

    expect((await bob.getRoomIdForAlias(`#lounge:${hs.serverName}`)).room_id).toBe(room_id);
    const joined = await bob.joinRoom(`#lounge:${hs.serverName}`);
    expect(joined.roomId).toBe(room_id);
    await until(
      "Alice sees Bob join",
      () => alice.getRoom(room_id)?.getMember(uid("bob"))?.membership === "join",
      20_000,
      alice,
    );
    await until("Bob's client has the room's name", () => bob.getRoom(room_id)?.name === "Hearth lounge", 20_000, bob);
    expect(bob.getRoom(room_id)!.currentState.getStateEvents(EventType.RoomTopic, "")?.getContent().topic).toBe(
      "Everything about hearths",
    );
    expect(bob.getRoom(room_id)!.getMember(uid("alice"))?.name).toBe("Alice");
  });

  test("name, topic and an uploaded avatar set by Alice reach Bob live; the avatar downloads", async () => {
    const image = png(64, 64, (x, y) => [x * 4, y * 4, 128]);
    const { content_uri } = await alice.uploadContent(new Blob([image], { type: "image/png" }), {
      name: "avatar.png",
      type: "image/png",
    });
    expect(content_uri).toStartWith(`mxc://${hs.serverName}/`);
    await alice.setRoomName(publicRoom, "Hearth lounge (renamed)");
    await alice.setRoomTopic(publicRoom, "Warm rooms");
    await alice.sendStateEvent(publicRoom, EventType.RoomAvatar, { url: content_uri, info: { mimetype: "image/png" } });
    const room = await until(
      "Bob sees the new name, topic and avatar",
      () => {
        const r = bob.getRoom(publicRoom);
        return r?.name === "Hearth lounge (renamed)" &&
          r.currentState.getStateEvents(EventType.RoomTopic, "")?.getContent().topic === "Warm rooms" &&
          r.getMxcAvatarUrl() === content_uri
          ? r
          : undefined;
      },
      20_000,
      bob,
    );
    expect(room.getMxcAvatarUrl()).toBe(content_uri);
    // Element downloads it through the authenticated media endpoints.
    const url = bob.mxcUrlToHttp(content_uri, undefined, undefined, undefined, false, true, true)!;
    const res = await fetch(url, { headers: { authorization: `Bearer ${bob.getAccessToken()}` } });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(image);
    const thumb = bob.mxcUrlToHttp(content_uri, 32, 32, "crop", false, true, true)!;
    const t = await fetch(thumb, { headers: { authorization: `Bearer ${bob.getAccessToken()}` } });
    expect(t.status).toBe(200);
    expect(t.headers.get("content-type")).toStartWith("image/");
  });

  test("text and an image sent by Alice arrive at Bob's client; Bob's reply arrives at Alice's", async () => {
    const text = await alice.sendTextMessage(publicRoom, "Hello Bob");
    const image = png(40, 30, () => [200, 10, 10]);
    const upload = await alice.uploadContent(new Blob([image], { type: "image/png" }), { name: "red.png" });
    const img = await alice.sendImageMessage(
      publicRoom,
      upload.content_uri,
      { mimetype: "image/png", w: 40, h: 30, size: image.length },
      "red.png",
    );
    const seenText = await timelineEvent(bob, publicRoom, text.event_id);
    expect(seenText.getContent()).toMatchObject({ msgtype: MsgType.Text, body: "Hello Bob" });
    const seenImage = await timelineEvent(bob, publicRoom, img.event_id);
    expect(seenImage.getContent()).toMatchObject({ msgtype: MsgType.Image, url: upload.content_uri, body: "red.png" });
    const dl = await fetch(bob.mxcUrlToHttp(upload.content_uri, undefined, undefined, undefined, false, true, true)!, {
      headers: { authorization: `Bearer ${bob.getAccessToken()}` },
    });
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(image);

    const reply = await bob.sendTextMessage(publicRoom, "Hi Alice");
    expect((await timelineEvent(alice, publicRoom, reply.event_id)).getContent().body).toBe("Hi Alice");
    // Alice's own events are there once, with no duplicate from the local echo.
    expect(bodies(alice.getRoom(publicRoom)).filter((b) => b === "Hello Bob")).toEqual(["Hello Bob"]);
  });

  test("an edit replaces the text Bob sees; a redaction empties it", async () => {
    const original = await alice.sendTextMessage(publicRoom, "I like tea");
    const ev = await timelineEvent(bob, publicRoom, original.event_id);
    await alice.sendMessage(publicRoom, {
      msgtype: MsgType.Text,
      body: "* I like coffee",
      "m.new_content": { msgtype: MsgType.Text, body: "I like coffee" },
      "m.relates_to": { rel_type: RelationType.Replace, event_id: original.event_id },
    });
    await until("Bob sees the edit", () => ev.replacingEvent() !== null, 20_000, bob);
    expect(ev.getContent().body).toBe("I like coffee");

    await alice.redactEvent(publicRoom, original.event_id, undefined, { reason: "changed my mind" });
    await until("Bob sees the redaction", () => ev.isRedacted(), 20_000, bob);
    expect(ev.getContent()).toEqual({});
    // And the server serves it redacted.
    const fetched = await bob.fetchRoomEvent(publicRoom, original.event_id);
    expect(fetched.content).toEqual({});
    expect(fetched.unsigned?.redacted_because?.content).toMatchObject({ reason: "changed my mind" });
  });

  test("a threaded reply and a reaction are seen by the other client", async () => {
    const root = await alice.sendTextMessage(publicRoom, "Thread root: what shall we eat?");
    await timelineEvent(bob, publicRoom, root.event_id);
    // What Element sends for a reply in a thread (the SDK adds the m.thread relation from the thread ID).
    const inThread = await bob.sendMessage(publicRoom, root.event_id, {
      msgtype: MsgType.Text,
      body: "Pizza",
    } as RoomMessageEventContent);
    const thread = await until(
      "Alice sees Bob's reply in the thread",
      () => {
        const t = alice.getRoom(publicRoom)?.getThread(root.event_id);
        return t?.findEventById(inThread.event_id) ? t : undefined;
      },
      20_000,
      alice,
    );
    expect(thread.findEventById(inThread.event_id)!.getContent().body).toBe("Pizza");
    // The server's own thread summary agrees.
    const rootFromServer = await alice.fetchRoomEvent(publicRoom, root.event_id);
    expect(rootFromServer.unsigned?.["m.relations"]?.[RelationType.Thread]).toMatchObject({
      count: 1,
      current_user_participated: true, // Alice wrote the root
    });

    const reaction = await bob.sendEvent(publicRoom, EventType.Reaction, {
      "m.relates_to": { rel_type: RelationType.Annotation, event_id: root.event_id, key: "👍" },
    });
    await until(
      "Alice sees Bob's reaction",
      () => {
        const rel = alice
          .getRoom(publicRoom)
          ?.getUnfilteredTimelineSet()
          .relations.getChildEventsForEvent(root.event_id, RelationType.Annotation, EventType.Reaction);
        return rel?.getRelations().some((e) => e.getId() === reaction.event_id);
      },
      20_000,
      alice,
    );
    const rel = await alice.relations(publicRoom, root.event_id, RelationType.Annotation, EventType.Reaction);
    expect(rel.events.map((e) => e.getId())).toEqual([reaction.event_id]);
  });

  test("typing and read receipts are seen live by the other client", async () => {
    const typing = within(
      "Bob sees Alice typing",
      new Promise<void>((resolve) => {
        const onTyping = (_ev: MatrixEvent, m: { userId: string; typing: boolean; roomId: string }) => {
          if (m.roomId === publicRoom && m.userId === uid("alice") && m.typing) {
            bob.off(RoomMemberEvent.Typing, onTyping);
            resolve();
          }
        };
        bob.on(RoomMemberEvent.Typing, onTyping);
      }),
    );
    await alice.sendTyping(publicRoom, true, 30_000);
    await typing;
    await alice.sendTyping(publicRoom, false, 0);
    await until(
      "Bob sees Alice stop typing",
      () => bob.getRoom(publicRoom)?.getMember(uid("alice"))?.typing === false,
      20_000,
      bob,
    );

    const msg = await bob.sendTextMessage(publicRoom, "did you read this?");
    const ev = await timelineEvent(alice, publicRoom, msg.event_id);
    await alice.sendReadReceipt(ev);
    await until(
      "Bob sees Alice's read receipt",
      () => bob.getRoom(publicRoom)?.getEventReadUpTo(uid("alice")) === msg.event_id,
      20_000,
      bob,
    );
  });

  test("unread counts rise with Alice's messages in Bob's client and clear with Bob's receipt", async () => {
    // Bob reads up to now first.
    const mark = await alice.sendTextMessage(publicRoom, "mark");
    await bob.sendReadReceipt(await timelineEvent(bob, publicRoom, mark.event_id));
    const room = bob.getRoom(publicRoom)!;
    await until(
      "Bob's count is 0",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 0,
      20_000,
      bob,
    );
    let last = "";
    for (const body of ["one", "two", "three"]) last = (await alice.sendTextMessage(publicRoom, body)).event_id;
    await timelineEvent(bob, publicRoom, last);
    await until(
      "Bob's unread count reaches 3",
      () => room.getUnreadNotificationCount(NotificationCountType.Total) === 3,
      20_000,
      bob,
    );
    const mention = await alice.sendMessage(publicRoom, {
      msgtype: MsgType.Text,
      body: "Bob: look",
      "m.mentions": { user_ids: [uid("bob")] },
    });
    await timelineEvent(bob, publicRoom, mention.event_id);
    await until(
      "Bob's highlight count is 1",
      () => room.getUnreadNotificationCount(NotificationCountType.Highlight) === 1,
      20_000,
      bob,
    );
    await bob.sendReadReceipt(room.findEventById(mention.event_id)!);
    await until(
      "Bob's counts clear",
      () =>
        room.getUnreadNotificationCount(NotificationCountType.Total) === 0 &&
        room.getUnreadNotificationCount(NotificationCountType.Highlight) === 0,
      20_000,
      bob,
    );
  });

  test("a private room: invite, join, leave, kick, ban and unban, each seen by the others' clients", async () => {
    const { room_id } = await alice.createRoom({ preset: Preset.PrivateChat, name: "Secret plans" });
    // Carol cannot just walk in.
    const refused = await carol.joinRoom(room_id).catch((e: { errcode?: string }) => e);
    expect((refused as { errcode?: string }).errcode).toBe("M_FORBIDDEN");

    await alice.invite(room_id, uid("carol"), "come in");
    const invite = await until(
      "Carol's invite",
      () => carol.getRoom(room_id)?.getMyMembership() === "invite" && carol.getRoom(room_id),
      20_000,
      carol,
    );
    expect(invite.name).toBe("Secret plans"); // from the stripped invite state
    expect(invite.getMember(uid("carol"))?.events.member?.getContent().reason).toBe("come in");
    await carol.joinRoom(room_id);
    await until(
      "Alice sees Carol join",
      () => alice.getRoom(room_id)?.getMember(uid("carol"))?.membership === "join",
      20_000,
      alice,
    );

    await carol.leave(room_id);
    await until(
      "Alice sees Carol leave",
      () => alice.getRoom(room_id)?.getMember(uid("carol"))?.membership === "leave",
      20_000,
      alice,
    );
    await until("Carol's client has left", () => carol.getRoom(room_id)?.getMyMembership() === "leave", 20_000, carol);

    await alice.invite(room_id, uid("carol"));
    await until("Carol's second invite", () => carol.getRoom(room_id)?.getMyMembership() === "invite", 20_000, carol);
    await carol.joinRoom(room_id);
    await until("Carol joined again", () => carol.getRoom(room_id)?.getMyMembership() === "join", 20_000, carol);
    await alice.kick(room_id, uid("carol"), "too loud");
    await until(
      "Carol sees she was kicked",
      () => {
        const m = carol.getRoom(room_id)?.getMember(uid("carol"));
        return (
          m?.membership === "leave" &&
          m.events.member?.getSender() === uid("alice") &&
          m.events.member.getContent().reason === "too loud"
        );
      },
      20_000,
      carol,
    );

    await alice.ban(room_id, uid("carol"), "spam");
    await until("Carol sees she is banned", () => carol.getRoom(room_id)?.getMyMembership() === "ban", 20_000, carol);
    await alice.invite(room_id, uid("carol")).catch(() => undefined); // refused: banned
    const rejoin = await carol.joinRoom(room_id).catch((e: { errcode?: string }) => e);
    expect((rejoin as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
    // Bob has no power to unban.
    await alice.invite(room_id, uid("bob"));
    await until("Bob's invite", () => bob.getRoom(room_id)?.getMyMembership() === "invite", 20_000, bob);
    await bob.joinRoom(room_id);
    const notAllowed = await bob.unban(room_id, uid("carol")).catch((e: { errcode?: string }) => e);
    expect((notAllowed as { errcode?: string }).errcode).toBe("M_FORBIDDEN");

    await alice.unban(room_id, uid("carol"));
    await until(
      "Bob sees Carol unbanned",
      () => bob.getRoom(room_id)?.getMember(uid("carol"))?.membership === "leave",
      20_000,
      bob,
    );
    await alice.invite(room_id, uid("carol"));
    await until(
      "Carol's invite after unban",
      () => carol.getRoom(room_id)?.getMyMembership() === "invite",
      20_000,
      carol,
    );
    await carol.joinRoom(room_id);
    await until(
      "Bob sees Carol back",
      () => bob.getRoom(room_id)?.getMember(uid("carol"))?.membership === "join",
      20_000,
      bob,
    );
  });

  test("a direct chat: is_direct invite, m.direct account data on both sides", async () => {
    const { room_id } = await alice.createRoom({
      preset: Preset.TrustedPrivateChat,
      is_direct: true,
      invite: [uid("bob")],
    });
    await alice.setAccountData(EventType.Direct, { [uid("bob")]: [room_id] });
    const invite = await until(
      "Bob's DM invite",
      () => bob.getRoom(room_id)?.getMyMembership() === "invite" && bob.getRoom(room_id),
      20_000,
      bob,
    );
    // Element reads is_direct from Bob's own invite event to file the room under People.
    expect(invite.getMember(uid("bob"))?.events.member?.getContent().is_direct).toBe(true);
    expect(invite.getDMInviter()).toBe(uid("alice"));
    await bob.joinRoom(room_id);
    await bob.setAccountData(EventType.Direct, { [uid("alice")]: [room_id] });
    await until(
      "Alice's m.direct in her client",
      () =>
        (alice.getAccountData(EventType.Direct)?.getContent() as Record<string, string[]>)?.[uid("bob")]?.[0] ===
        room_id,
      20_000,
      alice,
    );
    await until(
      "Bob's m.direct in his client",
      () =>
        (bob.getAccountData(EventType.Direct)?.getContent() as Record<string, string[]>)?.[uid("alice")]?.[0] ===
        room_id,
      20_000,
      bob,
    );
    await until(
      "Alice sees Bob join the DM",
      () => alice.getRoom(room_id)?.getMember(uid("bob"))?.membership === "join",
      20_000,
      alice,
    );
    // Trusted private chat in room version 12: the invitee is one of the room's creators.
    const create = alice.getRoom(room_id)!.currentState.getStateEvents(EventType.RoomCreate, "")!.getContent();
    expect(create.additional_creators).toEqual([uid("bob")]);
  });

  test("rooms without a name are named after the people in them (summary heroes, lazy-loaded members)", async () => {
    // A DM invite: Element lists it under the inviter's name.
    await carol.setDisplayName("Carol");
    const dm = (await carol.createRoom({ preset: Preset.TrustedPrivateChat, is_direct: true, invite: [uid("bob")] }))
      .room_id;
    const invite = await until("Bob's invite from Carol", () => bob.getRoom(dm), 20_000, bob);
    await until(`the invite is named after Carol (is "${invite.name}")`, () => invite.name === "Carol", 20_000, bob);
    await bob.joinRoom(dm);
    await until(
      "Bob's DM is named Carol",
      () => bob.getRoom(dm)?.getMyMembership() === "join" && bob.getRoom(dm)?.name === "Carol",
      20_000,
      bob,
    );
    await until("Carol's DM is named Bob", () => carol.getRoom(dm)?.name === "Bob", 20_000, carol);
    // Three people: named after both others for Bob.
    await carol.invite(dm, uid("alice"));
    await until("Alice's invite", () => alice.getRoom(dm)?.getMyMembership() === "invite", 20_000, alice);
    await alice.joinRoom(dm);
    // Heroes come in the order they joined (spec: "ordered by stream ordering").
    await until(
      "Bob's room is named after both others",
      () => bob.getRoom(dm)?.name === "Carol and Alice",
      20_000,
      bob,
    );
    // Everyone else leaves: Bob's room says who was there.
    await alice.leave(dm);
    await carol.leave(dm);
    // Left users in the order they left.
    await until("Bob's room is empty", () => bob.getRoom(dm)?.name === "Empty room (was Alice and Carol)", 20_000, bob);
  });

  test("no client met a sync error, and no sync repeated a timeline event, and the server logged no error", () => {
    expect(syncErrors).toEqual({ alice: [], bob: [], carol: [] });
    expect(serverProblems(hs.log())).toEqual([]);
    expect({
      alice: repeatedTimelineEvents(alice),
      bob: repeatedTimelineEvents(bob),
      carol: repeatedTimelineEvents(carol),
    }).toEqual({ alice: [], bob: [], carol: [] });
  });
});
