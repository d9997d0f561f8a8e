/**
 * The redaction algorithm of each room version (rooms/fragments/v1-redactions.md, v6, v8 (in v8.md),
 * v9-redactions.md, v11-redactions.md). Redaction keeps the top-level keys of the list and, inside
 * `content`, only the keys listed for the event type. It is used for signing, for the reference hash,
 * and for events whose content hash does not match.
 */
import type { JsonObject, JsonValue } from "../json/types";
import { isJsonObject } from "../json/types";
import type { RedactionAlgorithm } from "../rooms/versions";

interface RedactionRules {
  readonly topLevel: ReadonlySet<string>;
  /** Content keys kept per event type; "*" keeps the whole content. */
  readonly content: Readonly<Record<string, readonly string[] | "*">>;
  /** v11: m.room.member keeps `third_party_invite.signed` (and only that). */
  readonly memberThirdPartyInviteSigned: boolean;
}

const TOP_LEVEL_V1 = new Set([
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "prev_state",
  "auth_events",
  "origin",
  "origin_server_ts",
  "membership",
]);

const TOP_LEVEL_V11 = new Set([
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "auth_events",
  "origin_server_ts",
]);

const POWER_LEVELS_V1 = [
  "ban",
  "events",
  "events_default",
  "kick",
  "redact",
  "state_default",
  "users",
  "users_default",
];

const V1: RedactionRules = {
  topLevel: TOP_LEVEL_V1,
  content: {
    "m.room.member": ["membership"],
    "m.room.create": ["creator"],
    "m.room.join_rules": ["join_rule"],
    "m.room.power_levels": POWER_LEVELS_V1,
    "m.room.aliases": ["aliases"],
    "m.room.history_visibility": ["history_visibility"],
  },
  memberThirdPartyInviteSigned: false,
};

/** v6: m.room.aliases loses its protection. */
const V6: RedactionRules = {
  ...V1,
  content: Object.fromEntries(Object.entries(V1.content).filter(([t]) => t !== "m.room.aliases")),
};

/** v8: m.room.join_rules keeps `allow`. */
const V8: RedactionRules = { ...V6, content: { ...V6.content, "m.room.join_rules": ["join_rule", "allow"] } };

/** v9: m.room.member keeps `join_authorised_via_users_server`. */
const V9: RedactionRules = {
  ...V8,
  content: { ...V8.content, "m.room.member": ["membership", "join_authorised_via_users_server"] },
};

/** v11: fewer top-level keys; create keeps everything; power levels keep `invite`; redaction keeps `redacts`. */
const V11: RedactionRules = {
  topLevel: TOP_LEVEL_V11,
  content: {
    "m.room.member": ["membership", "join_authorised_via_users_server"],
    "m.room.create": "*",
    "m.room.join_rules": ["join_rule", "allow"],
    "m.room.power_levels": [...POWER_LEVELS_V1, "invite"].sort(),
    "m.room.history_visibility": ["history_visibility"],
    "m.room.redaction": ["redacts"],
  },
  memberThirdPartyInviteSigned: true,
};

const RULES: Record<RedactionAlgorithm, RedactionRules> = { v1: V1, v6: V6, v8: V8, v9: V9, v11: V11 };

/** The content keys a redaction keeps for this event type, or "*" for all (for display and tests). */
export function keptContentKeys(algorithm: RedactionAlgorithm, type: string): readonly string[] | "*" {
  return RULES[algorithm].content[type] ?? [];
}

function redactContent(rules: RedactionRules, type: unknown, content: JsonObject): JsonObject {
  const kept = typeof type === "string" && Object.hasOwn(rules.content, type) ? rules.content[type]! : [];
  if (kept === "*") return { ...content };
  const out: JsonObject = {};
  for (const k of kept) if (Object.hasOwn(content, k)) out[k] = content[k]!;
  if (rules.memberThirdPartyInviteSigned && type === "m.room.member") {
    const tpi = content.third_party_invite;
    if (isJsonObject(tpi) && Object.hasOwn(tpi, "signed")) out.third_party_invite = { signed: tpi.signed! };
  }
  return out;
}

/**
 * Returns the redacted copy of an event (the input is not changed). Works on any JSON object, so it
 * can run on a received PDU before its shape is validated. A missing or non-object `content` becomes `{}`.
 */
export function redactEvent<T extends JsonObject>(event: T, algorithm: RedactionAlgorithm): JsonObject;
export function redactEvent(event: object, algorithm: RedactionAlgorithm): JsonObject;
export function redactEvent(event: object, algorithm: RedactionAlgorithm): JsonObject {
  const rules = RULES[algorithm];
  const src = event as Record<string, JsonValue>;
  const out: JsonObject = {};
  for (const k of Object.keys(src)) {
    if (rules.topLevel.has(k) && k !== "content") out[k] = src[k]!;
  }
  const content = src.content;
  out.content = isJsonObject(content) ? redactContent(rules, src.type, content) : {};
  return out;
}
