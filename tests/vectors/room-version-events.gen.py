#!/usr/bin/env python3
"""
Generates room-version-events.json: for each room version 1-12, sample events with their content hash,
redacted form, reference hash, event ID and signature (spec appendix key, server "domain", ed25519:1).

This is an independent implementation for cross-checking src/core/events: canonical JSON is the spec's
own Python recipe (json.dumps with sort_keys, which sorts by code point), the redaction rules are
transcribed from content/rooms/fragments/*-redactions.md and rooms/v8.md, and Ed25519 comes from
python `cryptography`. Run: python3 tests/vectors/room-version-events.gen.py > tests/vectors/room-version-events.json
then `bunx biome format --write tests/vectors/room-version-events.json` (layout only).
"""
import base64, copy, hashlib, json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SEED = base64.b64decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1" + "=")
KEY = Ed25519PrivateKey.from_private_bytes(SEED)

def canonical(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

def b64(b):
    return base64.b64encode(b).decode().rstrip("=")

def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")

# --- Redaction rules, per the spec text -------------------------------------------------------
TOP_V1 = ["event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures", "depth",
          "prev_events", "prev_state", "auth_events", "origin", "origin_server_ts", "membership"]
TOP_V11 = ["event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures", "depth",
           "prev_events", "auth_events", "origin_server_ts"]
PL = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"]
CONTENT = {
    "v1": {"m.room.member": ["membership"], "m.room.create": ["creator"], "m.room.join_rules": ["join_rule"],
           "m.room.power_levels": PL, "m.room.aliases": ["aliases"], "m.room.history_visibility": ["history_visibility"]},
    "v6": {"m.room.member": ["membership"], "m.room.create": ["creator"], "m.room.join_rules": ["join_rule"],
           "m.room.power_levels": PL, "m.room.history_visibility": ["history_visibility"]},
    "v8": {"m.room.member": ["membership"], "m.room.create": ["creator"], "m.room.join_rules": ["join_rule", "allow"],
           "m.room.power_levels": PL, "m.room.history_visibility": ["history_visibility"]},
    "v9": {"m.room.member": ["membership", "join_authorised_via_users_server"], "m.room.create": ["creator"],
           "m.room.join_rules": ["join_rule", "allow"], "m.room.power_levels": PL,
           "m.room.history_visibility": ["history_visibility"]},
    "v11": {"m.room.member": ["membership", "join_authorised_via_users_server"], "m.room.create": "ALL",
            "m.room.join_rules": ["join_rule", "allow"], "m.room.power_levels": PL + ["invite"],
            "m.room.history_visibility": ["history_visibility"], "m.room.redaction": ["redacts"]},
}
ALGO = {"1": "v1", "2": "v1", "3": "v1", "4": "v1", "5": "v1", "6": "v6", "7": "v6", "8": "v8", "9": "v9",
        "10": "v9", "11": "v11", "12": "v11"}

def redact(ev, algo):
    top = TOP_V11 if algo == "v11" else TOP_V1
    out = {k: copy.deepcopy(v) for k, v in ev.items() if k in top and k != "content"}
    content = ev.get("content", {})
    keep = CONTENT[algo].get(ev["type"], [])
    if keep == "ALL":
        out["content"] = copy.deepcopy(content)
    else:
        out["content"] = {k: copy.deepcopy(content[k]) for k in keep if k in content}
    if algo == "v11" and ev["type"] == "m.room.member":
        tpi = content.get("third_party_invite")
        if isinstance(tpi, dict) and "signed" in tpi:
            out["content"]["third_party_invite"] = {"signed": copy.deepcopy(tpi["signed"])}
    return out

def content_hash(ev):
    e = {k: v for k, v in ev.items() if k not in ("unsigned", "signatures", "hashes")}
    return hashlib.sha256(canonical(e)).digest()

def reference_hash(ev, algo):
    r = redact(ev, algo)
    r.pop("signatures", None)
    r.pop("unsigned", None)
    return hashlib.sha256(canonical(r)).digest()

# --- Sample events -----------------------------------------------------------------------------
def samples(version):
    v = int(version)
    pairs = v <= 2
    def edges(ids):
        return [[i, {"sha256": b64(hashlib.sha256(i.encode()).digest())}] for i in ids] if pairs else ids
    def eid(n):
        if pairs:
            return "$%s:domain" % n
        h = b64(hashlib.sha256(n.encode()).digest()) if v == 3 else b64url(hashlib.sha256(n.encode()).digest())
        return "$" + h
    room = "!" + b64url(hashlib.sha256(b"create").digest()) if v >= 12 else "!room:domain"
    def ev(name, type_, content, state_key=None, extra=None, prev=("p1",), auth=("a1", "a2"), no_room=False):
        e = {"type": type_, "sender": "@alice:domain", "origin_server_ts": 1_700_000_000_000, "content": content,
             "depth": 7, "prev_events": edges([eid(p) for p in prev]), "auth_events": edges([eid(a) for a in auth]),
             "unsigned": {"age_ts": 1_700_000_000_000, "transaction_id": "t1"}}
        if not no_room:
            e["room_id"] = room
        if state_key is not None:
            e["state_key"] = state_key
        if pairs:
            e["event_id"] = eid(name)
        if extra:
            e.update(extra)
        return name, e

    create_content = {"room_version": version, "m.federate": True, "predecessor": {"room_id": "!old:domain"}}
    if v <= 10:
        create_content["creator"] = "@alice:domain"
    if v >= 12:
        create_content["additional_creators"] = ["@bob:domain"]
    out = [
        ev("create", "m.room.create", create_content, "", prev=(), auth=(), no_room=v >= 12),
        ev("member", "m.room.member", {
            "membership": "join", "displayname": "Alice \U0001F600", "avatar_url": "mxc://domain/abc",
            "join_authorised_via_users_server": "@bob:domain",
            "third_party_invite": {"display_name": "alice", "signed": {"mxid": "@alice:domain", "token": "abc",
                                                                      "signatures": {"id.example": {"ed25519:0": "sig"}}}},
        }, "@alice:domain", extra={"membership": "join", "origin": "domain", "prev_state": []}),
        ev("power_levels", "m.room.power_levels", {
            "ban": 50, "events": {"m.room.name": 100}, "events_default": 0, "invite": 0, "kick": 50,
            "notifications": {"room": 50}, "redact": 50, "state_default": 50, "users": {"@alice:domain": 100},
            "users_default": 0, "historical": 100,
        }, ""),
        ev("join_rules", "m.room.join_rules", {
            "join_rule": "restricted",
            "allow": [{"type": "m.room_membership", "room_id": "!space:domain"}], "extra": 1}, ""),
        ev("aliases", "m.room.aliases", {"aliases": ["#a:domain"], "extra": 1}, "domain"),
        ev("history_visibility", "m.room.history_visibility", {"history_visibility": "shared", "x": 1}, ""),
        ev("message", "m.room.message", {
            "body": "h\u00e9llo \U0001F600 \u2028 \"q\" \\ \u0001", "msgtype": "m.text",
            "\U0001F600": "astral key", "\uFFFD": "BMP key", "n": -9007199254740991, "z": None, "b": [True, False],
        }, extra={"origin": "domain", "age_ts": 1_700_000_000_000, "foo": "bar"}),
    ]
    redaction_content = {"reason": "spam"}
    redaction_extra = {}
    if v >= 11:
        redaction_content["redacts"] = eid("message")
    else:
        redaction_extra["redacts"] = eid("message")
    out.append(ev("redaction", "m.room.redaction", redaction_content, extra=redaction_extra))
    return out

def compute(version):
    algo = ALGO[version]
    cases = []
    for name, e in samples(version):
        e = copy.deepcopy(e)
        e.pop("hashes", None)
        ch = content_hash(e)
        e["hashes"] = {"sha256": b64(ch)}
        red = redact(e, algo)
        red.pop("signatures", None)
        red.pop("unsigned", None)
        sig = b64(KEY.sign(canonical(red)))
        signed = copy.deepcopy(e)
        signed["signatures"] = {"domain": {"ed25519:1": sig}}
        ref = reference_hash(signed, algo)
        if int(version) <= 2:
            event_id = e["event_id"]
        elif version == "3":
            event_id = "$" + b64(ref)
        else:
            event_id = "$" + b64url(ref)
        unsigned_event = {k: v for k, v in e.items() if k != "hashes"}
        redacted_full = redact(signed, algo)
        cases.append({
            "name": name,
            "event": unsigned_event,
            "content_hash": b64(ch),
            "redacted": redacted_full,
            "reference_hash": b64(ref),
            "event_id": event_id,
            "signature": sig,
        })
    return {"room_version": version, "redaction_algorithm": algo, "cases": cases}

print(json.dumps({
    "description": "Per room version sample events with content hash, redaction, reference hash, event ID and "
                   "signature (spec appendix key, server 'domain', key ed25519:1). Generated by "
                   "room-version-events.gen.py, an independent Python implementation (spec canonical-JSON "
                   "recipe, redaction rules transcribed from the spec, Ed25519 from python cryptography).",
    "server_name": "domain", "key_id": "ed25519:1",
    "versions": [compute(str(v)) for v in range(1, 13)],
}, ensure_ascii=False, indent=1))
