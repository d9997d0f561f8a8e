import { describe, expect, test } from "bun:test";
import { toClientEvent, toStrippedState } from "../../../src/core/events/format";
import { hashAndSignPdu } from "../../../src/core/events/signing";
import type { Pdu } from "../../../src/core/events/types";
import { roomEventOf } from "../../../src/core/events/view";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";
import { specKey } from "../crypto/keys";

const ID = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
function pdu(version: "10" | "11", extra: object): Pdu {
  const ev = {
    type: "m.room.message",
    sender: "@a:hs",
    room_id: "!r:hs",
    origin_server_ts: 5,
    depth: 9,
    content: { body: "x" },
    prev_events: [ID],
    auth_events: [ID],
    unsigned: { age_ts: 1 },
    ...extra,
  };
  return hashAndSignPdu(ev, ROOM_VERSIONS[version], "hs", specKey) as unknown as Pdu;
}

describe("client format", () => {
  test("a message event: only the client fields, with room_id unless left out", () => {
    const ev = roomEventOf(pdu("10", {}), ROOM_VERSIONS["10"]);
    expect(toClientEvent(ev, { unsigned: { age: 10 } })).toEqual({
      event_id: ev.eventId,
      type: "m.room.message",
      content: { body: "x" },
      sender: "@a:hs",
      origin_server_ts: 5,
      room_id: "!r:hs",
      unsigned: { age: 10 },
    } as never);
    const bare = toClientEvent(ev, { withoutRoomId: true });
    expect("room_id" in bare || "unsigned" in bare || "state_key" in bare).toBe(false);
  });

  test("a state event keeps its (possibly empty) state_key", () => {
    const ev = roomEventOf(
      pdu("10", { type: "m.room.topic", state_key: "", content: { topic: "t" } }),
      ROOM_VERSIONS["10"],
    );
    expect(toClientEvent(ev).state_key).toBe("");
    expect(toStrippedState(ev)).toEqual({
      type: "m.room.topic",
      state_key: "",
      sender: "@a:hs",
      content: { topic: "t" },
    } as never);
    expect(toStrippedState(roomEventOf(pdu("10", {}), ROOM_VERSIONS["10"]))).toBeNull();
  });

  test("redactions show `redacts` at the top level and in content, in old and new room versions", () => {
    const old = roomEventOf(
      pdu("10", { type: "m.room.redaction", redacts: ID, content: { reason: "r" } }),
      ROOM_VERSIONS["10"],
    );
    const neu = roomEventOf(
      pdu("11", { type: "m.room.redaction", content: { reason: "r", redacts: ID } }),
      ROOM_VERSIONS["11"],
    );
    for (const ev of [old, neu]) {
      const c = toClientEvent(ev);
      expect(c.redacts).toBe(ID as never);
      expect(c.content).toEqual({ reason: "r", redacts: ID });
    }
  });
});
