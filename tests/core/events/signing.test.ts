import { describe, expect, test } from "bun:test";
import {
  checkPduSignatureFrom,
  hashAndSignPdu,
  type PduKeyLookup,
  requiredSigningServers,
  signPdu,
  verifyPdu,
} from "../../../src/core/events/signing";
import type { Pdu } from "../../../src/core/events/types";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";
import { otherKey, specKey } from "../crypto/keys";

const ID = "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg";
const v10 = ROOM_VERSIONS["10"];
const keys: PduKeyLookup = (server, keyId) =>
  server === "a.example" && keyId === specKey.keyId
    ? specKey.verifyKey
    : server === "b.example" && keyId === otherKey.keyId
      ? otherKey.verifyKey
      : null;

function member(content: object, version = v10, extra: object = {}): Pdu {
  const ev = {
    type: "m.room.member",
    state_key: "@joiner:a.example",
    sender: "@joiner:a.example",
    room_id: "!r:b.example",
    origin_server_ts: 1000,
    depth: 3,
    content,
    prev_events: [ID],
    auth_events: [ID],
    ...extra,
  };
  return hashAndSignPdu(ev, version, "a.example", specKey) as unknown as Pdu;
}

describe("PDU signatures", () => {
  test("a restricted join is countersigned by the authorising server, and that signature can be checked", () => {
    const join = member({ membership: "join", join_authorised_via_users_server: "@admin:b.example" });
    const v = ROOM_VERSIONS["9"];
    expect(checkPduSignatureFrom(join, v, "b.example", keys).ok).toBe(false);
    const countersigned = signPdu(join, v, "b.example", otherKey);
    expect(Object.keys(countersigned.signatures).sort()).toEqual(["a.example", "b.example"]);
    expect(checkPduSignatureFrom(countersigned, v, "b.example", keys)).toEqual({ ok: true });
    expect(verifyPdu(countersigned, v, keys).ok).toBe(true);
  });

  test("the key lookup is asked about the event's origin_server_ts (key validity)", () => {
    const ev = member({ membership: "join" });
    const seen: number[] = [];
    const expiring: PduKeyLookup = (s, k, at) => {
      seen.push(at);
      return at < 500 ? keys(s, k, at) : null;
    };
    expect(verifyPdu(ev, v10, expiring)).toEqual({ ok: false, reason: "no signature from a known key of a.example" });
    expect(seen).toEqual([1000]);
  });

  test("v1/v2 events also need the signature of the event ID's server", () => {
    const v1 = ROOM_VERSIONS["1"];
    const ev = member({ membership: "join" }, v1, {
      event_id: "$x:b.example",
      prev_events: [["$p:b.example", { sha256: "AAAA" }]],
      auth_events: [],
    });
    expect(requiredSigningServers(ev, v1)).toEqual(["a.example", "b.example"]);
    expect(verifyPdu(ev, v1, keys)).toEqual({ ok: false, reason: "not signed by b.example" });
    expect(verifyPdu(signPdu(ev, v1, "b.example", otherKey), v1, keys).ok).toBe(true);
    expect(requiredSigningServers(ev, v10)).toEqual(["a.example"]);
  });

  test("a third-party invite does not need the sender's server signature", () => {
    const invite = member({ membership: "invite", third_party_invite: { signed: { mxid: "@joiner:a.example" } } });
    expect(requiredSigningServers(invite, v10)).toEqual([]);
    expect(requiredSigningServers(member({ membership: "invite" }), v10)).toEqual(["a.example"]);
  });

  test("hashes and signatures already present are kept when signing again", () => {
    const ev = member({ membership: "join" });
    const again = signPdu(ev, v10, "b.example", otherKey);
    expect(again.hashes).toEqual(ev.hashes);
    expect(again.signatures["a.example"]).toEqual(ev.signatures["a.example"]!);
  });
});
