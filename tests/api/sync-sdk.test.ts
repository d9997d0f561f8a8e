/** Two matrix-js-sdk clients on the in-process server see each other's messages, typing and receipts live. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  ClientEvent,
  type ICreateClientOpts,
  type MatrixClient,
  type MatrixEvent,
  type Room,
  RoomEvent,
  RoomMemberEvent,
  createClient as sdkClient,
} from "matrix-js-sdk";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

let hs: TestServer;
let alice: MatrixClient;
let bob: MatrixClient;
let aliceUser: TestUser;
let bobUser: TestUser;

function client(u: TestUser): MatrixClient {
  return sdkClient({
    baseUrl: hs.baseUrl,
    accessToken: u.accessToken,
    userId: u.userId,
    deviceId: u.deviceId,
    logger: quiet as ICreateClientOpts["logger"],
  });
}

function started(c: MatrixClient): Promise<void> {
  return new Promise((resolve) => {
    c.once(ClientEvent.Sync, (state) => {
      if (state === "PREPARED") resolve();
    });
  });
}

/** Resolves with the first value `pick` returns for an emitted event (undefined means keep waiting). */
function next<T>(c: MatrixClient, event: string, pick: (...args: never[]) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const handler = (...args: never[]) => {
      const v = pick(...args);
      if (v !== undefined) {
        c.off(event as never, handler as never);
        resolve(v);
      }
    };
    c.on(event as never, handler as never);
  });
}

beforeAll(async () => {
  hs = await startTestServer();
  aliceUser = createUserDirect(hs, "alice");
  bobUser = createUserDirect(hs, "bob");
  alice = client(aliceUser);
  bob = client(bobUser);
  const ready = Promise.all([started(alice), started(bob)]);
  await alice.startClient({ initialSyncLimit: 10, lazyLoadMembers: true });
  await bob.startClient({ initialSyncLimit: 10 });
  await ready;
});
afterAll(async () => {
  alice?.stopClient();
  bob?.stopClient();
  await hs.stop();
});

test("an invite reaches bob, he joins, and both see the other's messages", async () => {
  const invited = next(bob, RoomEvent.MyMembership, (room: Room, membership: string) =>
    membership === "invite" ? room.roomId : undefined,
  );
  const { room_id: roomId } = await alice.createRoom({ name: "SDK room", invite: [bobUser.userId] });
  expect(await invited).toBe(roomId);
  await bob.joinRoom(roomId);

  const bobSees = next(bob, RoomEvent.Timeline, (ev: MatrixEvent) =>
    ev.getType() === "m.room.message" && ev.getSender() === aliceUser.userId ? ev.getContent().body : undefined,
  );
  await alice.sendTextMessage(roomId, "hello bob");
  expect(await bobSees).toBe("hello bob");

  const aliceSees = next(alice, RoomEvent.Timeline, (ev: MatrixEvent) =>
    ev.getType() === "m.room.message" && ev.getSender() === bobUser.userId ? ev.getContent().body : undefined,
  );
  await bob.sendTextMessage(roomId, "hi alice");
  expect(await aliceSees).toBe("hi alice");
  expect(bob.getRoom(roomId)?.name).toBe("SDK room");
});

test("typing notifications start and stop live", async () => {
  const roomId = alice.getRooms().find((r) => r.name === "SDK room")!.roomId;
  const typing = next(bob, RoomMemberEvent.Typing, (_ev: MatrixEvent, m: { userId: string; typing: boolean }) =>
    m.userId === aliceUser.userId && m.typing ? true : undefined,
  );
  await alice.sendTyping(roomId, true, 20_000);
  expect(await typing).toBe(true);
  const stopped = next(bob, RoomMemberEvent.Typing, (_ev: MatrixEvent, m: { userId: string; typing: boolean }) =>
    m.userId === aliceUser.userId && !m.typing ? true : undefined,
  );
  await alice.sendTyping(roomId, false, 0);
  expect(await stopped).toBe(true);
});

test("read receipts reach the other client live", async () => {
  const roomId = alice.getRooms().find((r) => r.name === "SDK room")!.roomId;
  const eventId = (await bob.sendTextMessage(roomId, "please read")).event_id;
  const room = alice.getRoom(roomId)!;
  while (!room.findEventById(eventId)) await Bun.sleep(5);
  const seen = next(bob, RoomEvent.Receipt, (ev: MatrixEvent) => {
    const content = ev.getContent() as Record<string, Record<string, Record<string, unknown>>>;
    return content[eventId]?.["m.read"]?.[aliceUser.userId] ? true : undefined;
  });
  await alice.sendReadReceipt(room.findEventById(eventId)!);
  expect(await seen).toBe(true);
  expect(bob.getRoom(roomId)!.getUsersReadUpTo(bob.getRoom(roomId)!.findEventById(eventId)!)).toContain(
    aliceUser.userId,
  );
});
