import { describe, expect, test } from "bun:test";
import { redactEvent } from "../../../src/core/events/redaction";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";

const ALL: RoomVersionId[] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];
const base = { room_id: "!r:hs", sender: "@a:hs", origin_server_ts: 1, depth: 1, prev_events: [], auth_events: [] };

function redacted(version: RoomVersionId, ev: object) {
  return redactEvent({ ...base, ...ev }, ROOM_VERSIONS[version].redaction);
}

/** Which versions keep `key` of `content` for an event of `type`. */
function keepsContent(type: string, content: Record<string, unknown>, key: string): RoomVersionId[] {
  return ALL.filter((v) => key in (redacted(v, { type, state_key: "", content }).content as object));
}

describe("redaction algorithm per room version", () => {
  test("message content is always emptied; unsigned is always dropped", () => {
    for (const v of ALL) {
      const r = redacted(v, { type: "m.room.message", content: { body: "secret" }, unsigned: { age: 1 } });
      expect(r.content).toEqual({});
      expect("unsigned" in r).toBe(false);
    }
  });

  test("top-level origin, membership and prev_state are kept until v10 and dropped from v11", () => {
    for (const v of ALL) {
      const r = redacted(v, { type: "m.room.member", content: {}, origin: "hs", membership: "join", prev_state: [] });
      const kept = Number(v) <= 10;
      expect(["origin", "membership", "prev_state"].map((k) => k in r)).toEqual([kept, kept, kept]);
    }
  });

  test("unknown top-level keys are dropped; hashes, signatures, depth and edges are kept", () => {
    for (const v of ALL) {
      const r = redacted(v, { type: "x", content: {}, foo: 1, hashes: { sha256: "h" }, signatures: {} });
      expect(Object.keys(r).sort()).toEqual(
        [
          "auth_events",
          "content",
          "depth",
          "hashes",
          "origin_server_ts",
          "prev_events",
          "room_id",
          "sender",
          "signatures",
          "type",
        ].sort(),
      );
    }
  });

  test("m.room.create: `creator` only until v10, every key from v11", () => {
    const content = { creator: "@a:hs", room_version: "1", "m.federate": false };
    expect(keepsContent("m.room.create", content, "creator")).toEqual(ALL);
    expect(keepsContent("m.room.create", content, "room_version")).toEqual(["11", "12"]);
    expect(keepsContent("m.room.create", content, "m.federate")).toEqual(["11", "12"]);
  });

  test("m.room.aliases keeps `aliases` only in v1-v5", () => {
    expect(keepsContent("m.room.aliases", { aliases: ["#a:hs"] }, "aliases")).toEqual(["1", "2", "3", "4", "5"]);
  });

  test("m.room.join_rules keeps `allow` from v8", () => {
    const content = { join_rule: "restricted", allow: [] };
    expect(keepsContent("m.room.join_rules", content, "join_rule")).toEqual(ALL);
    expect(keepsContent("m.room.join_rules", content, "allow")).toEqual(["8", "9", "10", "11", "12"]);
  });

  test("m.room.member keeps join_authorised_via_users_server from v9 and third_party_invite.signed from v11", () => {
    const content = {
      membership: "join",
      displayname: "A",
      join_authorised_via_users_server: "@b:hs",
      third_party_invite: { display_name: "x", signed: { mxid: "@a:hs" } },
    };
    expect(keepsContent("m.room.member", content, "membership")).toEqual(ALL);
    expect(keepsContent("m.room.member", content, "displayname")).toEqual([]);
    expect(keepsContent("m.room.member", content, "join_authorised_via_users_server")).toEqual(["9", "10", "11", "12"]);
    expect(redacted("11", { type: "m.room.member", state_key: "@a:hs", content }).content).toEqual({
      membership: "join",
      join_authorised_via_users_server: "@b:hs",
      third_party_invite: { signed: { mxid: "@a:hs" } },
    });
    expect(keepsContent("m.room.member", content, "third_party_invite")).toEqual(["11", "12"]);
    const unsignedInvite = { membership: "invite", third_party_invite: { display_name: "x" } };
    expect(keepsContent("m.room.member", unsignedInvite, "third_party_invite")).toEqual([]);
  });

  test("m.room.power_levels keeps `invite` from v11, never `notifications`", () => {
    const content = {
      ban: 1,
      events: {},
      events_default: 1,
      invite: 1,
      kick: 1,
      redact: 1,
      state_default: 1,
      users: {},
      users_default: 1,
      notifications: {},
    };
    for (const k of ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"])
      expect(keepsContent("m.room.power_levels", content, k)).toEqual(ALL);
    expect(keepsContent("m.room.power_levels", content, "invite")).toEqual(["11", "12"]);
    expect(keepsContent("m.room.power_levels", content, "notifications")).toEqual([]);
  });

  test("m.room.history_visibility keeps history_visibility; m.room.redaction keeps content.redacts from v11", () => {
    expect(keepsContent("m.room.history_visibility", { history_visibility: "shared" }, "history_visibility")).toEqual(
      ALL,
    );
    expect(keepsContent("m.room.redaction", { redacts: "$x", reason: "r" }, "redacts")).toEqual(["11", "12"]);
    expect(keepsContent("m.room.redaction", { redacts: "$x", reason: "r" }, "reason")).toEqual([]);
  });

  test("the input is not changed", () => {
    const ev = { ...base, type: "m.room.message", content: { body: "x" }, unsigned: { a: 1 } };
    const copy = structuredClone(ev);
    redactEvent(ev, "v11");
    expect(ev).toEqual(copy);
  });
});
