/**
 * The auth rules and state resolution on real PDUs (hashed and signed by core/events, with event IDs
 * from reference hashes and, in v12, the room ID from the create event), not only on test events.
 */
import { describe, expect, test } from "bun:test";
import { authEventOf, authEventsSelection, checkAuthEvents, stateMapKey } from "../../../src/core/auth";
import type { AuthEvent } from "../../../src/core/auth/types";
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { buildPdu } from "../../../src/core/events/build";
import { referenceHash } from "../../../src/core/events/hashes";
import type { EventId } from "../../../src/core/ids/event-id";
import type { RoomId } from "../../../src/core/ids/room-id";
import type { ServerName } from "../../../src/core/ids/server-name";
import type { UserId } from "../../../src/core/ids/user-id";
import { encodeBase64 } from "../../../src/core/json/base64";
import type { JsonObject } from "../../../src/core/json/types";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";
import { resolveState } from "../../../src/core/state-res/resolve";

const SERVER = "hs.example" as ServerName;
const signer = { serverName: SERVER, key: signingKeyFromSeed(new Uint8Array(32).fill(3), "a") };
const ALICE = "@alice:hs.example" as UserId;
const BOB = "@bob:hs.example" as UserId;

function room(version: RoomVersionId) {
  const rules = ROOM_VERSIONS[version];
  const events = new Map<string, AuthEvent>();
  const pdus = new Map<string, object>();
  let roomId: RoomId | undefined = rules.eventFormat.roomIdFromCreateEvent ? undefined : ("!r:hs.example" as RoomId);
  let n = 0;
  const add = (
    state: Map<string, string>,
    prev: string[],
    type: string,
    sender: UserId,
    content: JsonObject,
    stateKey?: string,
  ) => {
    const auth = authEventsSelection(rules, { type, state_key: stateKey, sender, content }, (t, s) =>
      state.get(stateMapKey(t, s)),
    );
    const built = buildPdu(
      {
        type,
        sender,
        content,
        stateKey,
        roomId,
        prevEvents: prev as EventId[],
        authEvents: auth as EventId[],
        depth: ++n,
        originServerTs: 1_700_000_000_000 + n,
        eventId: rules.eventFormat.eventIdFormat === "domain" ? (`$e${n}:hs.example` as EventId) : undefined,
        edgeHashes: (id) => {
          const p = pdus.get(id);
          return p ? { sha256: encodeBase64(referenceHash(p, rules)) } : undefined;
        },
      },
      rules,
      signer,
    );
    if (!built.ok) throw new Error(built.reason);
    roomId = built.roomId;
    pdus.set(built.eventId, built.pdu);
    const ev = authEventOf(built.pdu, built.eventId);
    events.set(ev.event_id, ev);
    if (stateKey !== undefined) state.set(stateMapKey(type, stateKey), ev.event_id);
    return ev;
  };
  return { rules, events, add };
}

describe("auth rules on real PDUs", () => {
  for (const version of ["1", "3", "6", "10", "11", "12"] as RoomVersionId[]) {
    test(`room v${version}: a room's events pass auth, and a fork resolves`, () => {
      const r = room(version);
      const state = new Map<string, string>();
      const creator: JsonObject = r.rules.auth.creatorInContent ? { creator: ALICE } : {};
      const create = r.add(state, [], "m.room.create", ALICE, { room_version: version, ...creator }, "");
      const join = r.add(state, [create.event_id], "m.room.member", ALICE, { membership: "join" }, ALICE);
      const users = r.rules.auth.privilegedCreators ? {} : { [ALICE]: 100 };
      const pl = r.add(state, [join.event_id], "m.room.power_levels", ALICE, { users }, "");
      const jr = r.add(state, [pl.event_id], "m.room.join_rules", ALICE, { join_rule: "public" }, "");
      const bob = r.add(state, [jr.event_id], "m.room.member", BOB, { membership: "join" }, BOB);
      const ctx = { fetchEvent: (id: string) => r.events.get(id), isRejected: () => false };
      for (const ev of r.events.values()) expect(checkAuthEvents(r.rules, ev, ctx)).toEqual({ ok: true });
      if (r.rules.auth.roomIdIsCreateEventId) expect(bob.room_id).toBe(`!${create.event_id.slice(1)}`);

      // Bob's topic against Alice's ban of Bob, on two forks.
      const a = new Map(state);
      const b = new Map(state);
      const topic = r.add(a, [bob.event_id], "m.room.topic", BOB, { topic: "bob's" }, "");
      const ban = r.add(b, [bob.event_id], "m.room.member", ALICE, { membership: "ban" }, BOB);
      expect(checkAuthEvents(r.rules, topic, ctx)).toMatchObject({ ok: false, check: "power.required" });
      const resolved = resolveState(r.rules, [a, b], ctx);
      expect(resolved.get(stateMapKey("m.room.member", BOB))).toBe(ban.event_id);
    });
  }
});
