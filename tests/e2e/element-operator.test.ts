/**
 * The operator's commands against a running homeserver program (the compiled binary in CI) while
 * matrix-js-sdk clients live on /sync: `homeserver room delete` and `homeserver user deactivate`
 * write from a second process into the same database. The clients must see the outcome, and the
 * running server must carry on (new events, syncs, no errors) with what the command wrote.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type MatrixClient, Preset } from "matrix-js-sdk";
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
const syncErrors: string[][] = [];
let alice: MatrixClient;
let bob: MatrixClient;
const sessions: Record<string, SdkSession> = {};
const uid = (name: string) => `@${name}:${hs.serverName}`;

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "operator.e2e.test", env: FAST_HASHING_ENV });
  for (const name of ["alice", "bob", "mallory"]) {
    sessions[name] = await registerUser(hs.baseUrl, name, `${name} password`);
  }
  [alice, bob] = await Promise.all([start(sessions.alice!), start(sessions.bob!)]);
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

describe("operator commands while clients are syncing", () => {
  test("`homeserver room delete --keep-history`: the members' clients see they left, and the server carries on", async () => {
    const spam = (await alice.createRoom({ preset: Preset.PublicChat, name: "Spam", room_alias_name: "spam" })).room_id;
    const other = (await alice.createRoom({ preset: Preset.PublicChat, name: "Elsewhere" })).room_id;
    for (const r of [spam, other]) await bob.joinRoom(r);
    await until("Bob is in both", () => bob.getRoom(other)?.getMyMembership() === "join", 20_000, bob);
    await alice.sendTextMessage(spam, "before the delete");

    const del = await hs.cli(["room", "delete", spam, "--block", "--keep-history"]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(uid("bob"));
    // The command ran in another process: the server's waiting syncs learn of it with the next event
    // (or when their long-poll times out).
    const after = (await alice.sendTextMessage(other, "life goes on")).event_id;
    expect((await timelineEvent(bob, other, after)).getContent().body).toBe("life goes on");
    await until("Bob's client shows he left", () => bob.getRoom(spam)?.getMyMembership() === "leave", 20_000, bob);
    await until(
      "Alice's client shows she left",
      () => alice.getRoom(spam)?.getMyMembership() === "leave",
      20_000,
      alice,
    );
    const rejoin = await bob.joinRoom(spam).catch((e) => e);
    expect((rejoin as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
    const alias = await bob.getRoomIdForAlias(`#spam:${hs.serverName}`).catch((e) => e);
    expect((alias as { errcode?: string }).errcode).toBe("M_NOT_FOUND");

    // The running server goes on: a new room, joined and talked in.
    const next = (await alice.createRoom({ preset: Preset.PublicChat, name: "After" })).room_id;
    await bob.joinRoom(next);
    const msg = (await bob.sendTextMessage(next, "hello after")).event_id;
    await timelineEvent(alice, next, msg);
  });

  // Not yet (see the QA report; Synapse has the same open bug, element-hq/synapse#18599): a purge
  // deletes the members' leave events with the rest of the room, so their clients never learn they
  // left and keep the room as joined.
  test.todo("`homeserver room delete` (purging): the members' clients see they left", async () => {
    const purged = (await alice.createRoom({ preset: Preset.PublicChat, name: "Purged" })).room_id;
    await bob.joinRoom(purged);
    await until("Bob joined", () => bob.getRoom(purged)?.getMyMembership() === "join", 20_000, bob);
    expect((await hs.cli(["room", "delete", purged])).code).toBe(0);
    const wake = (await alice.createRoom({ preset: Preset.PublicChat, name: "Wake" })).room_id;
    await bob.joinRoom(wake);
    await until("Bob's client shows he left", () => bob.getRoom(purged)?.getMyMembership() === "leave", 20_000, bob);
  });

  test("`homeserver user deactivate`: the others see the user leave, and the server carries on in that room", async () => {
    const mallory = await start(sessions.mallory!);
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Trouble" })).room_id;
    await mallory.joinRoom(roomId);
    await bob.joinRoom(roomId);
    await until(
      "Alice sees Mallory join",
      () => alice.getRoom(roomId)?.getMember(uid("mallory"))?.membership === "join",
      20_000,
      alice,
    );
    const r = await hs.cli(["user", "deactivate", "mallory"]);
    expect(r.code).toBe(0);
    // The running server writes the next event of the room after the command's leave event.
    const fresh = (await alice.sendTextMessage(roomId, "quieter now")).event_id;
    await timelineEvent(bob, roomId, fresh);
    await until(
      "Alice sees Mallory leave",
      () => alice.getRoom(roomId)?.getMember(uid("mallory"))?.membership === "leave",
      20_000,
      alice,
    );
    const joined = await alice.getJoinedRoomMembers(roomId);
    expect(Object.keys(joined.joined).sort()).toEqual([uid("alice"), uid("bob")].sort());
    // One line of history: the server built its event on the command's leave, not beside it.
    const db = new Database(join(hs.dir, "data", "homeserver.db"), { readonly: true });
    try {
      const leave = alice.getRoom(roomId)!.getMember(uid("mallory"))!.events.member!.getId()!;
      const prev = db
        .query<{ prev: string }, [string]>(
          "SELECT x.prev_event_id AS prev FROM event_edges x JOIN events e ON e.event_nid = x.event_nid WHERE e.event_id = ?",
        )
        .all(fresh)
        .map((r) => r.prev);
      expect(prev).toEqual([leave]);
    } finally {
      db.close();
    }
    // Mallory's token no longer works.
    const who = await mallory.whoami().catch((e) => e);
    expect((who as { errcode?: string }).errcode).toBe("M_UNKNOWN_TOKEN");
    mallory.stopClient();
  });

  test("no client met a sync error (but Mallory's), none was sent an event twice, and the server logged no error", () => {
    expect(syncErrors.slice(0, 2).flat()).toEqual([]);
    expect([alice, bob].flatMap(repeatedTimelineEvents)).toEqual([]);
    expect(serverProblems(hs.log())).toEqual([]);
  });
});
