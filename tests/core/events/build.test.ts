import { describe, expect, test } from "bun:test";
import { buildPdu, type PduParts } from "../../../src/core/events/build";
import { eventIdOf } from "../../../src/core/events/event-id";
import { MAX_PDU_BYTES } from "../../../src/core/events/limits";
import { type PduKeyLookup, verifyPdu } from "../../../src/core/events/signing";
import { roomEventOf } from "../../../src/core/events/view";
import type { EventId } from "../../../src/core/ids/event-id";
import type { RoomId } from "../../../src/core/ids/room-id";
import type { ServerName } from "../../../src/core/ids/server-name";
import type { UserId } from "../../../src/core/ids/user-id";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";
import { specKey } from "../crypto/keys";

const HS = "hs.example" as ServerName;
const signer = { serverName: HS, key: specKey };
const lookup: PduKeyLookup = (s, k) => (s === HS && k === specKey.keyId ? specKey.verifyKey : null);
const alice = "@alice:hs.example" as UserId;

function create(version: RoomVersionId) {
  const rules = ROOM_VERSIONS[version];
  const pairs = rules.eventFormat.edgesAsPairs;
  const parts: PduParts = {
    type: "m.room.create",
    sender: alice,
    stateKey: "",
    content: rules.auth.creatorInContent ? { creator: alice, room_version: version } : { room_version: version },
    roomId: rules.eventFormat.roomIdFromCreateEvent ? undefined : ("!room:hs.example" as RoomId),
    prevEvents: [],
    authEvents: [],
    depth: 1,
    originServerTs: 1_700_000_000_000,
    eventId: pairs ? ("$create:hs.example" as EventId) : undefined,
  };
  const built = buildPdu(parts, rules, signer);
  if (!built.ok) throw new Error(built.reason);
  return built;
}

describe("buildPdu", () => {
  for (const version of Object.keys(ROOM_VERSIONS) as RoomVersionId[]) {
    const rules = ROOM_VERSIONS[version];
    test(`room v${version}: a create event and a message after it verify, in this version's format`, () => {
      const c = create(version);
      expect(verifyPdu(c.pdu, rules, lookup)).toEqual({ ok: true, pdu: c.pdu, eventId: c.eventId, redacted: false });
      const msg = buildPdu(
        {
          type: "m.room.message",
          sender: alice,
          content: { body: "hi", msgtype: "m.text" },
          roomId: c.roomId,
          prevEvents: [c.eventId],
          authEvents: [c.eventId],
          depth: 2,
          originServerTs: 1_700_000_000_001,
          eventId: rules.eventFormat.edgesAsPairs ? ("$msg:hs.example" as EventId) : undefined,
          edgeHashes: () => ({ sha256: "AAAA" }),
        },
        rules,
        signer,
      );
      if (!msg.ok) throw new Error(msg.reason);
      expect(msg.pdu.room_id).toBe(c.roomId);
      expect(msg.pdu.prev_events).toEqual(
        rules.eventFormat.edgesAsPairs ? [[c.eventId, { sha256: "AAAA" }]] : ([c.eventId] as never),
      );
      expect("event_id" in msg.pdu).toBe(rules.eventFormat.edgesAsPairs);
      expect(verifyPdu(msg.pdu, rules, lookup).ok).toBe(true);
      expect(roomEventOf(msg.pdu, rules)).toMatchObject({
        eventId: msg.eventId,
        roomId: c.roomId,
        prevEvents: [c.eventId],
        authEvents: [c.eventId],
        stateKey: undefined,
      });
    });
  }

  test("v12: the create event has no room_id and the room ID is '!' + its event ID", () => {
    const c = create("12");
    expect("room_id" in c.pdu).toBe(false);
    expect(c.roomId).toBe(`!${c.eventId.slice(1)}` as RoomId);
    expect(c.roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
  });

  test("event IDs: v3 standard base64, v4+ URL-safe base64, v1/v2 carried", () => {
    expect(create("1").eventId).toBe("$create:hs.example" as EventId);
    expect(create("3").eventId).toMatch(/^\$[A-Za-z0-9+/]{43}$/);
    expect(create("4").eventId).toMatch(/^\$[A-Za-z0-9_-]{43}$/);
    expect(eventIdOf(create("10").pdu, ROOM_VERSIONS["10"])).toBe(create("10").eventId);
  });

  test("redacts goes to the top level before v11 and into content from v11", () => {
    const target = create("10").eventId;
    for (const [v, top] of [
      ["10", true],
      ["11", false],
    ] as const) {
      const r = buildPdu(
        {
          type: "m.room.redaction",
          sender: alice,
          content: { reason: "spam" },
          roomId: "!room:hs.example" as RoomId,
          prevEvents: [target],
          authEvents: [target],
          depth: 3,
          originServerTs: 5,
          redacts: target,
        },
        ROOM_VERSIONS[v],
        signer,
      );
      if (!r.ok) throw new Error(r.reason);
      expect((r.pdu as { redacts?: string }).redacts).toBe(top ? target : undefined);
      expect(r.pdu.content.redacts).toBe(top ? undefined : target);
      expect(roomEventOf(r.pdu, ROOM_VERSIONS[v]).redacts).toBe(target);
    }
  });

  const parts: PduParts = {
    type: "m.room.message",
    sender: alice,
    content: {},
    roomId: "!room:hs.example" as RoomId,
    prevEvents: [],
    authEvents: [],
    depth: 1,
    originServerTs: 1,
  };

  test.each([
    ["content too large", { content: { body: "x".repeat(MAX_PDU_BYTES) } }, "more than 65536"],
    ["a float in content", { content: { n: 1.5 } }, "canonical JSON"],
    ["a type over 255 bytes", { type: "t".repeat(256) }, "type is longer than 255 bytes"],
    ["a state key over 255 bytes", { stateKey: "é".repeat(128) }, "state_key is longer than 255 bytes"],
    ["no room ID", { roomId: undefined }, "roomId is required"],
    ["21 prev events", { prevEvents: Array(21).fill("$abc:hs.example" as EventId) }, "prev_events"],
  ])("refuses %s", (_name, change, reason) => {
    const r = buildPdu({ ...parts, ...change }, ROOM_VERSIONS["10"], signer);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  test("v1/v2 need the event ID and the reference hashes of the edges", () => {
    const r1 = buildPdu(parts, ROOM_VERSIONS["1"], signer);
    expect(r1).toEqual({ ok: false, reason: "this room version needs an eventId" });
    const r2 = buildPdu(
      { ...parts, eventId: "$e:hs.example" as EventId, prevEvents: ["$p:hs.example" as EventId] },
      ROOM_VERSIONS["1"],
      signer,
    );
    expect(r2).toEqual({ ok: false, reason: "no reference hash for $p:hs.example" });
  });

  test("a create event of v12 with a room ID is refused", () => {
    const r = buildPdu({ ...parts, type: "m.room.create", stateKey: "" }, ROOM_VERSIONS["12"], signer);
    expect(r).toEqual({ ok: false, reason: "a create event of this room version has no room_id" });
  });
});
