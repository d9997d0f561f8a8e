import { describe, expect, test } from "bun:test";
import { checkPduSize, MAX_PDU_BYTES } from "../../../src/core/events/limits";
import { hashAndSignPdu } from "../../../src/core/events/signing";
import { validatePdu } from "../../../src/core/events/validate";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";
import { specKey } from "../crypto/keys";

const v10 = ROOM_VERSIONS["10"];
const ID = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
const good = hashAndSignPdu(
  {
    type: "m.room.message",
    sender: "@a:hs",
    room_id: "!r:hs",
    origin_server_ts: 1,
    depth: 1,
    content: { body: "x" },
    prev_events: [ID],
    auth_events: [ID],
  },
  v10,
  "hs",
  specKey,
);

describe("validatePdu", () => {
  test("a well-formed PDU passes and keeps unknown fields", () => {
    const r = validatePdu({ ...good, unknown_field: 1 }, v10);
    expect(r.ok).toBe(true);
    expect(r.ok && (r.pdu as unknown as Record<string, unknown>).unknown_field).toBe(1);
  });

  test.each([
    ["not an object", [], "JSON object"],
    ["no type", { type: undefined }, "type"],
    ["a bad sender", { sender: "alice" }, "sender"],
    ["a float timestamp", { origin_server_ts: 1.5 }, "origin_server_ts"],
    ["array content", { content: [] }, "content"],
    ["numeric state_key", { state_key: 1 }, "state_key"],
    ["negative depth", { depth: -1 }, "depth"],
    ["depth beyond 2^53-1", { depth: 2 ** 53 }, "depth"],
    ["no sha256 hash", { hashes: {} }, "hashes"],
    ["non-string signature", { signatures: { hs: { "ed25519:1": 1 } } }, "signatures"],
    ["array unsigned", { unsigned: [] }, "unsigned"],
    ["no room_id", { room_id: undefined }, "room_id"],
    ["a v12 room ID in v10", { room_id: `!${ID.slice(1)}` }, "room_id"],
    ["v1 edge pairs in v10", { prev_events: [[ID, { sha256: "x" }]] }, "prev_events"],
    ["a v3 event ID in v10", { auth_events: ["$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk"] }, "auth_events"],
    ["11 auth events", { auth_events: Array(11).fill(ID) }, "auth_events has more than 10"],
    ["a type over 255 bytes", { type: "x".repeat(256) }, "type is longer"],
  ])("refuses %s", (_name, change, reason) => {
    const r = validatePdu(Array.isArray(change) ? change : { ...good, ...change }, v10);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  test("v1/v2 need event_id and [id, hashes] pairs", () => {
    const v1 = ROOM_VERSIONS["1"];
    const base = { ...good, prev_events: [["$p:hs", { sha256: "x" }]], auth_events: [] };
    expect(validatePdu({ ...base, event_id: "$e:hs" }, v1).ok).toBe(true);
    expect(validatePdu(base, v1)).toEqual({ ok: false, reason: "event_id is required in this room version" });
    expect(validatePdu({ ...base, event_id: "$e:hs", prev_events: ["$p:hs"] }, v1).ok).toBe(false);
  });

  test("v12: only the create event may lack room_id, and room IDs are hashes", () => {
    const v12 = ROOM_VERSIONS["12"];
    const { room_id: _r, ...noRoom } = good;
    expect(validatePdu({ ...noRoom, type: "m.room.create", state_key: "" }, v12).ok).toBe(true);
    expect(validatePdu(noRoom, v12).ok).toBe(false);
    expect(validatePdu(good, v12).ok).toBe(false);
    expect(validatePdu({ ...good, room_id: `!${ID.slice(1)}` }, v12).ok).toBe(true);
  });

  test("redacts must be an event ID, at the top level before v11 and in content from v11", () => {
    const red = { ...good, type: "m.room.redaction" };
    expect(validatePdu({ ...red, redacts: ID }, v10).ok).toBe(true);
    expect(validatePdu({ ...red, redacts: 5 }, v10).ok).toBe(false);
    expect(validatePdu({ ...red, content: { redacts: "nope" } }, ROOM_VERSIONS["11"]).ok).toBe(false);
    expect(validatePdu({ ...red, content: { redacts: ID } }, ROOM_VERSIONS["11"]).ok).toBe(true);
  });
});

describe("checkPduSize", () => {
  test("65,536 bytes of canonical JSON is the most; unsigned is not counted", () => {
    const size = (o: object) => new TextEncoder().encode(JSON.stringify(o)).length;
    const filler = (n: number) => ({ ...good, content: { body: "é".repeat(n) } });
    // Find the largest body that fits, then one more 2-byte character is too much.
    let n = Math.floor((MAX_PDU_BYTES - size(filler(0))) / 2);
    while (size(filler(n)) > MAX_PDU_BYTES) n--;
    expect(checkPduSize(filler(n))).toBeNull();
    expect(checkPduSize({ ...filler(n), unsigned: { big: "x".repeat(100_000) } })).toBeNull();
    expect(checkPduSize(filler(n + 1))).toContain("more than 65536");
  });

  test("the size it reports is the exact UTF-8 length, however far over the limit", () => {
    const size = (o: object) => new TextEncoder().encode(JSON.stringify(o)).length;
    for (const body of ["é".repeat(40_000), "\u{1F600}".repeat(20_000), "x".repeat(70_000)]) {
      const pdu = { ...good, content: { body } };
      expect(checkPduSize(pdu)).toBe(`event is ${size(pdu)} bytes, more than 65536`);
    }
  });
});
