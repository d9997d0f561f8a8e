/**
 * Room versions as data: one record of rules per version, each built from the previous one.
 * Never write `if (version >= 6)`: read the flag that names the behaviour.
 * Source: the spec's `content/rooms/v1.md` … `v12.md` (summarised in shared/matrix-spec/room-versions/).
 */

export type RoomVersionId = "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "10" | "11" | "12";

export interface EventFormatRules {
  /** v1/v2: event IDs are `$local:server` and carried in the PDU; later: derived from the reference hash. */
  readonly eventIdFormat: "domain" | "base64" | "base64url";
  /** v1/v2: `prev_events`/`auth_events` are `[id, {sha256}]` pairs; later: plain event ID strings. */
  readonly edgesAsPairs: boolean;
  /** v12: the room ID is `!` + the create event's reference hash; earlier: `!opaque:domain`. */
  readonly roomIdFromCreateEvent: boolean;
  /** v11+: `redacts` moves from the top level into `content` of m.room.redaction. */
  readonly redactsInContent: boolean;
}

export type RedactionAlgorithm = "v1" | "v6" | "v8" | "v9" | "v11";

export interface AuthRules {
  /** v1-v5: m.room.aliases has its own auth rule (sender domain = state key). */
  readonly specialCaseAliases: boolean;
  /** v1-v2: redactions are allowed by the auth rules when the sender's domain matches (v3+: handled at render). */
  readonly specialCaseRedactionDomain: boolean;
  /** v6+: `notifications` in power levels is checked like the other levels. */
  readonly notificationsPowerLevels: boolean;
  /** v7+: `knock` membership and join rule. */
  readonly knocking: boolean;
  /** v8+: `restricted` join rule with `join_authorised_via_users_server`. */
  readonly restrictedJoinRule: boolean;
  /** v10+: `knock_restricted` join rule. */
  readonly knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be integers (no strings). */
  readonly integerPowerLevels: boolean;
  /** v1-v10: m.room.create carries `creator`; v11+: the sender is the creator. */
  readonly creatorInContent: boolean;
  /** v12: `additional_creators`, creators have infinite power and may not appear in `users`. */
  readonly privilegedCreators: boolean;
  /** v1-v11: the create event is among each event's auth events; v12: it must not be. */
  readonly createInAuthEvents: boolean;
  /** v12: the create event has no room_id; room_id is the create event's ID with `!`. */
  readonly roomIdIsCreateEventId: boolean;
  /** v6+: a room with `m.federate: false` rejects events from other servers' senders. (Checked in all versions in practice.) */
  readonly federateCheck: boolean;
}

export type StateResAlgorithm = "v1" | "v2" | "v2.1";

export interface RoomVersionRules {
  readonly id: RoomVersionId;
  readonly stability: "stable" | "unstable";
  readonly eventFormat: EventFormatRules;
  readonly redaction: RedactionAlgorithm;
  readonly auth: AuthRules;
  readonly stateRes: StateResAlgorithm;
  /** v6+: federation input must be canonical JSON (integers only, within ±(2^53-1)). */
  readonly strictCanonicalJson: boolean;
  /** v5+: signing keys must be valid (`valid_until_ts`) at the event's `origin_server_ts`. */
  readonly enforceKeyValidity: boolean;
}

const V1: RoomVersionRules = {
  id: "1",
  stability: "stable",
  eventFormat: {
    eventIdFormat: "domain",
    edgesAsPairs: true,
    roomIdFromCreateEvent: false,
    redactsInContent: false,
  },
  redaction: "v1",
  auth: {
    specialCaseAliases: true,
    specialCaseRedactionDomain: true,
    notificationsPowerLevels: false,
    knocking: false,
    restrictedJoinRule: false,
    knockRestrictedJoinRule: false,
    integerPowerLevels: false,
    creatorInContent: true,
    privilegedCreators: false,
    createInAuthEvents: true,
    roomIdIsCreateEventId: false,
    federateCheck: true,
  },
  stateRes: "v1",
  strictCanonicalJson: false,
  enforceKeyValidity: false,
};

const V2: RoomVersionRules = { ...V1, id: "2", stateRes: "v2" };

const V3: RoomVersionRules = {
  ...V2,
  id: "3",
  eventFormat: { ...V2.eventFormat, eventIdFormat: "base64", edgesAsPairs: false },
  auth: { ...V2.auth, specialCaseRedactionDomain: false },
};

const V4: RoomVersionRules = { ...V3, id: "4", eventFormat: { ...V3.eventFormat, eventIdFormat: "base64url" } };

const V5: RoomVersionRules = { ...V4, id: "5", enforceKeyValidity: true };

const V6: RoomVersionRules = {
  ...V5,
  id: "6",
  redaction: "v6",
  auth: { ...V5.auth, specialCaseAliases: false, notificationsPowerLevels: true },
  strictCanonicalJson: true,
};

const V7: RoomVersionRules = { ...V6, id: "7", auth: { ...V6.auth, knocking: true } };

const V8: RoomVersionRules = { ...V7, id: "8", redaction: "v8", auth: { ...V7.auth, restrictedJoinRule: true } };

const V9: RoomVersionRules = { ...V8, id: "9", redaction: "v9" };

const V10: RoomVersionRules = {
  ...V9,
  id: "10",
  auth: { ...V9.auth, knockRestrictedJoinRule: true, integerPowerLevels: true },
};

const V11: RoomVersionRules = {
  ...V10,
  id: "11",
  eventFormat: { ...V10.eventFormat, redactsInContent: true },
  redaction: "v11",
  auth: { ...V10.auth, creatorInContent: false },
};

const V12: RoomVersionRules = {
  ...V11,
  id: "12",
  eventFormat: { ...V11.eventFormat, roomIdFromCreateEvent: true },
  auth: { ...V11.auth, privilegedCreators: true, createInAuthEvents: false, roomIdIsCreateEventId: true },
  stateRes: "v2.1",
};

export const ROOM_VERSIONS: Readonly<Record<RoomVersionId, RoomVersionRules>> = {
  "1": V1,
  "2": V2,
  "3": V3,
  "4": V4,
  "5": V5,
  "6": V6,
  "7": V7,
  "8": V8,
  "9": V9,
  "10": V10,
  "11": V11,
  "12": V12,
};

export const DEFAULT_ROOM_VERSION: RoomVersionId = "12";

export function isRoomVersionId(v: unknown): v is RoomVersionId {
  return typeof v === "string" && Object.hasOwn(ROOM_VERSIONS, v);
}

/** The rules of a known room version, or null for one we do not know. */
export function roomVersion(id: string): RoomVersionRules | null {
  return isRoomVersionId(id) ? ROOM_VERSIONS[id] : null;
}
