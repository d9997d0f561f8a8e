/**
 * Room summaries: what directories and admin lists show about a room (name, topic, join rule, member
 * counts, ...), one row per room, computed from its current state by the directory service. A row
 * remembers the snapshot it was computed from, so stale rows are found with one query.
 */
import type { Db } from "../db";

export interface RoomSummary {
  roomNid: number;
  snapshotNid: number;
  name: string | null;
  topic: string | null;
  canonicalAlias: string | null;
  avatarUrl: string | null;
  joinRule: string;
  allowedRoomIds: string[];
  historyVisibility: string;
  guestAccess: string | null;
  roomType: string | null;
  encryption: string | null;
  creator: string | null;
  federatable: boolean;
  joinedMembers: number;
  joinedLocalMembers: number;
  invitedMembers: number;
  stateEvents: number;
}

/** A room with its summary (null when the room has no state, e.g. after a purge). */
export interface RoomListing {
  roomNid: number;
  roomId: string;
  roomVersion: string;
  isPublic: boolean;
  isBlocked: boolean;
  summary: RoomSummary | null;
}

export const ROOM_LIST_ORDERS = [
  "name",
  "canonical_alias",
  "joined_members",
  "joined_local_members",
  "version",
  "creator",
  "encryption",
  "federatable",
  "public",
  "join_rules",
  "guest_access",
  "history_visibility",
  "state_events",
  "room_id",
] as const;
export type RoomListOrder = (typeof ROOM_LIST_ORDERS)[number];

/** ORDER BY terms per order; "x IS NULL" terms keep rooms without a value last in both directions. */
const ORDER_SQL: Record<RoomListOrder, string[]> = {
  name: ["s.name IS NULL", "s.name COLLATE NOCASE"],
  canonical_alias: ["s.canonical_alias IS NULL", "s.canonical_alias"],
  joined_members: ["coalesce(s.joined_members, 0)"],
  joined_local_members: ["coalesce(s.joined_local_members, 0)"],
  version: ["r.room_version"],
  creator: ["s.creator"],
  encryption: ["s.encryption"],
  federatable: ["s.federatable"],
  public: ["r.is_public"],
  join_rules: ["s.join_rule"],
  guest_access: ["s.guest_access"],
  history_visibility: ["s.history_visibility"],
  state_events: ["coalesce(s.state_events, 0)"],
  room_id: ["r.room_id"],
};

export interface RoomSummaryRepo {
  /** Rooms whose summary is missing or was computed from an older snapshot (rooms without state excluded). */
  stale(): { roomNid: number; snapshotNid: number }[];
  /** The same check for one room: its current snapshot when the summary needs recomputing, else null. */
  staleOne(roomNid: number): number | null;
  upsert(s: RoomSummary): void;
  delete(roomNid: number): void;
  get(roomNid: number): RoomSummary | null;
  /** Rooms published in the directory (not blocked, with state), largest first, then by room ID. */
  published(): RoomListing[];
  /** Joined members on this server (user IDs ending in `:serverName`). */
  countLocalJoined(roomNid: number, serverName: string): number;
  /** The admin room list: `search` matches name or canonical alias (substring) or the room ID (exactly). */
  list(opts: { orderBy: RoomListOrder; dir: "f" | "b"; search?: string; from: number; limit: number }): {
    rooms: RoomListing[];
    total: number;
  };
  listing(roomNid: number): RoomListing | null;
}

interface SummarySql {
  room_nid: number;
  snapshot_nid: number;
  name: string | null;
  topic: string | null;
  canonical_alias: string | null;
  avatar_url: string | null;
  join_rule: string;
  allowed_room_ids: string;
  history_visibility: string;
  guest_access: string | null;
  room_type: string | null;
  encryption: string | null;
  creator: string | null;
  federatable: number;
  joined_members: number;
  joined_local_members: number;
  invited_members: number;
  state_events: number;
}
type ListingSql = { r_nid: number; room_id: string; room_version: string; is_public: number; is_blocked: number } & {
  [K in keyof SummarySql]: SummarySql[K] | null;
};

const SUMMARY_COLS =
  "s.room_nid, s.snapshot_nid, s.name, s.topic, s.canonical_alias, s.avatar_url, s.join_rule, s.allowed_room_ids, s.history_visibility, s.guest_access, s.room_type, s.encryption, s.creator, s.federatable, s.joined_members, s.joined_local_members, s.invited_members, s.state_events";
const LISTING_COLS = `r.room_nid AS r_nid, r.room_id, r.room_version, r.is_public, r.is_blocked, ${SUMMARY_COLS}`;

function parseIds(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

const toSummary = (r: SummarySql): RoomSummary => ({
  roomNid: r.room_nid,
  snapshotNid: r.snapshot_nid,
  name: r.name,
  topic: r.topic,
  canonicalAlias: r.canonical_alias,
  avatarUrl: r.avatar_url,
  joinRule: r.join_rule,
  allowedRoomIds: parseIds(r.allowed_room_ids),
  historyVisibility: r.history_visibility,
  guestAccess: r.guest_access,
  roomType: r.room_type,
  encryption: r.encryption,
  creator: r.creator,
  federatable: r.federatable === 1,
  joinedMembers: r.joined_members,
  joinedLocalMembers: r.joined_local_members,
  invitedMembers: r.invited_members,
  stateEvents: r.state_events,
});

const toListing = (r: ListingSql): RoomListing => ({
  roomNid: r.r_nid,
  roomId: r.room_id,
  roomVersion: r.room_version,
  isPublic: r.is_public === 1,
  isBlocked: r.is_blocked === 1,
  summary: r.room_nid === null ? null : toSummary(r as SummarySql),
});

/** Escapes LIKE wildcards (the statements use ESCAPE '\'). */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function createRoomSummaryRepo(db: Db): RoomSummaryRepo {
  const s = db.sqlite;
  const q = {
    stale: s.query<{ room_nid: number; current_snapshot_nid: number }, []>(
      `SELECT r.room_nid, r.current_snapshot_nid FROM rooms r LEFT JOIN room_summaries s ON s.room_nid = r.room_nid
        WHERE r.current_snapshot_nid IS NOT NULL AND (s.room_nid IS NULL OR s.snapshot_nid != r.current_snapshot_nid)`,
    ),
    staleOne: s.query<{ current_snapshot_nid: number }, [number]>(
      `SELECT r.current_snapshot_nid FROM rooms r LEFT JOIN room_summaries s ON s.room_nid = r.room_nid
        WHERE r.room_nid = ? AND r.current_snapshot_nid IS NOT NULL
          AND (s.room_nid IS NULL OR s.snapshot_nid != r.current_snapshot_nid)`,
    ),
    upsert: s.query(
      `INSERT INTO room_summaries (room_nid, snapshot_nid, name, topic, canonical_alias, avatar_url, join_rule,
         allowed_room_ids, history_visibility, guest_access, room_type, encryption, creator, federatable,
         joined_members, joined_local_members, invited_members, state_events)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_nid) DO UPDATE SET snapshot_nid = excluded.snapshot_nid, name = excluded.name,
         topic = excluded.topic, canonical_alias = excluded.canonical_alias, avatar_url = excluded.avatar_url,
         join_rule = excluded.join_rule, allowed_room_ids = excluded.allowed_room_ids,
         history_visibility = excluded.history_visibility, guest_access = excluded.guest_access,
         room_type = excluded.room_type, encryption = excluded.encryption, creator = excluded.creator,
         federatable = excluded.federatable, joined_members = excluded.joined_members,
         joined_local_members = excluded.joined_local_members, invited_members = excluded.invited_members,
         state_events = excluded.state_events`,
    ),
    delete: s.query("DELETE FROM room_summaries WHERE room_nid = ?"),
    get: s.query<SummarySql, [number]>(`SELECT ${SUMMARY_COLS} FROM room_summaries s WHERE s.room_nid = ?`),
    published: s.query<ListingSql, []>(
      `SELECT ${LISTING_COLS} FROM rooms r JOIN room_summaries s ON s.room_nid = r.room_nid
        WHERE r.is_public = 1 AND r.is_blocked = 0 AND r.current_snapshot_nid IS NOT NULL
        ORDER BY s.joined_members DESC, r.room_id ASC`,
    ),
    localJoined: s.query<{ n: number }, [number, string, string]>(
      `SELECT count(*) AS n FROM room_memberships
        WHERE room_nid = ? AND membership = 'join' AND substr(user_id, -length(?)) = ?`,
    ),
    listing: s.query<ListingSql, [number]>(
      `SELECT ${LISTING_COLS} FROM rooms r LEFT JOIN room_summaries s ON s.room_nid = r.room_nid WHERE r.room_nid = ?`,
    ),
  };
  const listCache = new Map<string, ReturnType<typeof s.query<ListingSql, (string | number)[]>>>();
  const countCache = new Map<string, ReturnType<typeof s.query<{ n: number }, string[]>>>();
  const SEARCH = "(s.name LIKE ? ESCAPE '\\' OR s.canonical_alias LIKE ? ESCAPE '\\' OR r.room_id = ?)";

  return {
    stale: () => q.stale.all().map((r) => ({ roomNid: r.room_nid, snapshotNid: r.current_snapshot_nid })),
    staleOne: (roomNid) => q.staleOne.get(roomNid)?.current_snapshot_nid ?? null,
    upsert(x) {
      q.upsert.run(
        x.roomNid,
        x.snapshotNid,
        x.name,
        x.topic,
        x.canonicalAlias,
        x.avatarUrl,
        x.joinRule,
        JSON.stringify(x.allowedRoomIds),
        x.historyVisibility,
        x.guestAccess,
        x.roomType,
        x.encryption,
        x.creator,
        x.federatable ? 1 : 0,
        x.joinedMembers,
        x.joinedLocalMembers,
        x.invitedMembers,
        x.stateEvents,
      );
    },
    delete: (roomNid) => {
      q.delete.run(roomNid);
    },
    get: (roomNid) => {
      const r = q.get.get(roomNid);
      return r ? toSummary(r) : null;
    },
    published: () => q.published.all().map(toListing),
    countLocalJoined: (roomNid, serverName) => q.localJoined.get(roomNid, `:${serverName}`, `:${serverName}`)!.n,
    list({ orderBy, dir, search, from, limit }) {
      const where = search ? `WHERE ${SEARCH}` : "";
      const order = ORDER_SQL[orderBy]
        .map((c) => (c.endsWith("IS NULL") ? c : `${c} ${dir === "b" ? "DESC" : "ASC"}`))
        .join(", ");
      const sql = `SELECT ${LISTING_COLS} FROM rooms r LEFT JOIN room_summaries s ON s.room_nid = r.room_nid ${where}
        ORDER BY ${order}, r.room_id ASC LIMIT ? OFFSET ?`;
      let stmt = listCache.get(sql);
      if (!stmt) {
        stmt = s.query<ListingSql, (string | number)[]>(sql);
        listCache.set(sql, stmt);
      }
      const countSql = `SELECT count(*) AS n FROM rooms r LEFT JOIN room_summaries s ON s.room_nid = r.room_nid ${where}`;
      let count = countCache.get(countSql);
      if (!count) {
        count = s.query<{ n: number }, string[]>(countSql);
        countCache.set(countSql, count);
      }
      const args: string[] = search ? [`%${likeEscape(search)}%`, `%${likeEscape(search)}%`, search] : [];
      return {
        rooms: stmt.all(...args, limit, from).map(toListing),
        total: count.get(...args)!.n,
      };
    },
    listing: (roomNid) => {
      const r = q.listing.get(roomNid);
      return r ? toListing(r) : null;
    },
  };
}
