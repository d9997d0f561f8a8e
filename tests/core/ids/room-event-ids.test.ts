import { describe, expect, test } from "bun:test";
import { eventIdServerName, parseEventId, parseEventIdFor } from "../../../src/core/ids/event-id";
import {
  createEventIdFromRoomId,
  parseDomainRoomId,
  parseHashRoomId,
  parseRoomId,
  roomIdFromCreateEventId,
  roomIdServerName,
} from "../../../src/core/ids/room-id";
import vectors from "../../vectors/identifiers.json";

const v3 = vectors.event_id_format_examples[1]!;
const v4 = vectors.event_id_format_examples[2]!;
const v12Room = vectors.room_id_format_examples[1]!.example!;

describe("event IDs", () => {
  test("spec examples parse in their own room version's format", () => {
    expect(parseEventIdFor(v3.example!, "base64")).not.toBeNull();
    expect(parseEventIdFor(v3.also!, "base64")).not.toBeNull();
    expect(parseEventIdFor(v4.example!, "base64url")).not.toBeNull();
    expect(parseEventIdFor("$a4ecee13e2accdadf56c1025:example.com", "domain")).not.toBeNull();
  });

  test("a v3 ID with '/' is not a v4 ID and a v4 ID with '-' is not a v3 ID", () => {
    expect(parseEventIdFor(v3.example!, "base64url")).toBeNull();
    expect(parseEventIdFor(v4.example!, "base64")).toBeNull();
  });

  test("hash IDs are exactly 43 characters; domain IDs need a server", () => {
    expect(parseEventId("$abc")).toBeNull();
    expect(parseEventId(`${v4.example!}A`)).toBeNull();
    expect(parseEventId("$abc:bad_server")).toBeNull();
    expect(parseEventId("$:example.org")).toBeNull();
    expect(parseEventId(`$${"a".repeat(250)}:example.org`)).toBeNull();
  });

  test("the server of a v1 event ID", () => {
    expect(eventIdServerName(parseEventId("$x:example.org:8448")!)).toBe("example.org:8448" as never);
    expect(eventIdServerName(parseEventId(v4.example!)!)).toBeNull();
  });
});

describe("room IDs", () => {
  test("v1-v11 and v12 forms", () => {
    expect(parseDomainRoomId("!jEsUZKDJdhlrceRyVU:example.org")).not.toBeNull();
    expect(parseHashRoomId(v12Room)).toBe(v12Room as never);
    expect(parseRoomId(v12Room)).toBe(v12Room as never);
    expect(roomIdServerName(parseRoomId("!a:example.org")!)).toBe("example.org" as never);
    expect(roomIdServerName(parseRoomId(v12Room)!)).toBeNull();
  });

  test("a v12 room ID is the create event's ID with '!' instead of '$'", () => {
    const createId = parseEventIdFor(`$${v12Room.slice(1)}`, "base64url")!;
    expect(roomIdFromCreateEventId(createId)).toBe(v12Room as never);
    expect(createEventIdFromRoomId(parseRoomId(v12Room)!)).toBe(createId);
    expect(createEventIdFromRoomId(parseRoomId("!a:hs")!)).toBeNull();
  });

  test.each([["!short"], ["!abc:"], ["!:example.org"], ["$abc:example.org"], [`!${"A".repeat(43)}=`], ["!a\u0000:hs"]])(
    "%p is refused",
    (s) => expect(parseRoomId(s)).toBeNull(),
  );
});
