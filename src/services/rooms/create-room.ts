/**
 * POST /createRoom: the events in the spec's order (create, creator's join, power levels, canonical
 * alias, preset events, initial_state, name, topic, invites), each built, authorized and stored
 * through the write path, all in one transaction: a rejected event leaves no half-made room.
 */
import { MatrixError } from "../../core/errors";
import { parseUserId } from "../../core/ids";
import { type RoomVersionRules, roomVersion } from "../../core/rooms/versions";
import type { Db } from "../../storage/db";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { RoomWriter } from "./write/room-writer";

export type Preset = "private_chat" | "public_chat" | "trusted_private_chat";

export interface CreateRoomRequest {
  visibility?: "public" | "private";
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  invite_3pid?: unknown[];
  room_version?: string;
  creation_content?: Record<string, unknown>;
  initial_state?: { type: string; state_key?: string; content: Record<string, unknown> }[];
  preset?: Preset;
  is_direct?: boolean;
  power_level_content_override?: Record<string, unknown>;
}

export interface CreateRoomDeps {
  db: Db;
  rooms: RoomRepo;
  writer: RoomWriter;
  serverName: string;
  defaultRoomVersion: string;
  clock: { now(): number };
  /** Display name and avatar for the creator's and invitees' member events. */
  profileOf(userId: string): { displayname?: string; avatar_url?: string };
  /** Validates and reserves an alias for the room (directory); throws the spec's errors. */
  claimAlias?(alias: string, roomId: string, creator: string): void;
}

const PRESETS: Record<Preset, { join_rule: string; history_visibility: string; guest_access: string }> = {
  private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join" },
  trusted_private_chat: { join_rule: "invite", history_visibility: "shared", guest_access: "can_join" },
  public_chat: { join_rule: "public", history_visibility: "shared", guest_access: "forbidden" },
};

function memberContent(
  membership: string,
  profile: { displayname?: string; avatar_url?: string },
  extra: Record<string, unknown> = {},
) {
  const c: Record<string, unknown> = { membership, ...extra };
  if (profile.displayname !== undefined) c.displayname = profile.displayname;
  if (profile.avatar_url !== undefined) c.avatar_url = profile.avatar_url;
  return c;
}

export function defaultPowerLevels(
  rules: RoomVersionRules,
  creator: string,
  preset: Preset,
  invitees: readonly string[],
): Record<string, unknown> {
  const users: Record<string, number> = {};
  if (!rules.auth.privilegedCreators) {
    users[creator] = 100;
    if (preset === "trusted_private_chat") for (const u of invitees) users[u] = 100;
  }
  const events: Record<string, number> = {
    "m.room.name": 50,
    "m.room.power_levels": 100,
    "m.room.history_visibility": 100,
    "m.room.canonical_alias": 50,
    "m.room.avatar": 50,
    "m.room.tombstone": rules.auth.privilegedCreators ? 150 : 100,
    "m.room.server_acl": 100,
    "m.room.encryption": 100,
  };
  return {
    users,
    users_default: 0,
    events,
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    notifications: { room: 50 },
  };
}

export function createRoom(deps: CreateRoomDeps, creator: string, req: CreateRoomRequest): { roomId: string } {
  if (req.invite_3pid && req.invite_3pid.length > 0) {
    throw new MatrixError(
      400,
      "M_UNKNOWN",
      "Third-party invites need an identity server, which this server does not use",
    );
  }
  const versionId = req.room_version ?? deps.defaultRoomVersion;
  const rules = roomVersion(versionId);
  if (!rules) throw new MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION", `Room version ${versionId} is not supported`);
  const invitees = [...new Set(req.invite ?? [])];
  for (const u of invitees) {
    if (!parseUserId(u)) throw MatrixError.invalidParam(`Invalid user ID in invite: ${u}`);
  }
  const preset: Preset = req.preset ?? (req.visibility === "public" ? "public_chat" : "private_chat");
  const alias = req.room_alias_name !== undefined ? `#${req.room_alias_name}:${deps.serverName}` : undefined;
  if (req.room_alias_name !== undefined && (req.room_alias_name === "" || /[:\s#]/.test(req.room_alias_name))) {
    throw new MatrixError(400, "M_INVALID_PARAM", "room_alias_name must be a localpart without ':' or spaces");
  }

  return deps.db.tx(() => {
    // 1. m.room.create
    const creation: Record<string, unknown> = { ...(req.creation_content ?? {}), room_version: rules.id };
    if (rules.auth.creatorInContent) creation.creator = creator;
    else delete creation.creator;
    if (rules.auth.privilegedCreators && preset === "trusted_private_chat" && invitees.length > 0) {
      const extra = Array.isArray(creation.additional_creators) ? (creation.additional_creators as unknown[]) : [];
      creation.additional_creators = [...new Set([...extra.filter((x) => typeof x === "string"), ...invitees])];
    }
    const { room } = deps.writer.createRoomWithCreateEvent(rules, creator, creation);
    const roomId = room.roomId;
    const send = (type: string, stateKey: string | undefined, content: Record<string, unknown>) =>
      deps.writer.createLocalEvent(roomId, {
        type,
        ...(stateKey !== undefined ? { stateKey } : {}),
        sender: creator,
        content,
      });

    // 2. the creator joins
    send("m.room.member", creator, memberContent("join", deps.profileOf(creator)));

    // 3. power levels (+ override)
    const additionalCreators = new Set(
      Array.isArray(creation.additional_creators) ? (creation.additional_creators as string[]) : [],
    );
    const pl = defaultPowerLevels(
      rules,
      creator,
      preset,
      invitees.filter((u) => !additionalCreators.has(u)),
    );
    const override = req.power_level_content_override ?? {};
    send("m.room.power_levels", "", { ...pl, ...override });

    // 4. canonical alias
    if (alias) {
      deps.claimAlias?.(alias, roomId, creator);
      send("m.room.canonical_alias", "", { alias });
    }

    // 5. preset events (an initial_state event of the same type and key replaces them)
    const initial = req.initial_state ?? [];
    const overridden = (type: string) => initial.some((e) => e.type === type && (e.state_key ?? "") === "");
    const p = PRESETS[preset];
    if (!overridden("m.room.join_rules")) send("m.room.join_rules", "", { join_rule: p.join_rule });
    if (!overridden("m.room.history_visibility"))
      send("m.room.history_visibility", "", { history_visibility: p.history_visibility });
    if (!overridden("m.room.guest_access")) send("m.room.guest_access", "", { guest_access: p.guest_access });

    // 6. initial_state, in order
    for (const e of initial) {
      if (e.type === "m.room.create" || e.type === "m.room.member" || e.type === "m.room.power_levels") {
        throw new MatrixError(400, "M_INVALID_ROOM_STATE", `initial_state may not contain ${e.type}`);
      }
      send(e.type, e.state_key ?? "", e.content);
    }

    // 7. name and topic
    if (req.name !== undefined) send("m.room.name", "", { name: req.name });
    if (req.topic !== undefined) {
      send("m.room.topic", "", { topic: req.topic, "m.topic": [{ mimetype: "text/plain", body: req.topic }] });
    }

    // 8. invites
    for (const u of invitees) {
      const extra: Record<string, unknown> = req.is_direct ? { is_direct: true } : {};
      send("m.room.member", u, memberContent("invite", deps.profileOf(u), extra));
    }

    if (req.visibility === "public") deps.rooms.setPublic(room.roomNid, true);
    return { roomId };
  });
}
