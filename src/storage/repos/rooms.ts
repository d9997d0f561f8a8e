/** Rooms, their current state and memberships, local transaction IDs and aliases. */
import type { Db } from "../db";

export interface RoomRow {
  roomNid: number;
  roomId: string;
  roomVersion: string;
  currentSnapshotNid: number | null;
  isPublic: boolean;
  isBlocked: boolean;
  createdAt: number;
}

export interface MembershipRow {
  roomNid: number;
  roomId: string;
  userId: string;
  membership: string;
  eventNid: number;
  streamOrdering: number;
  forgotten: boolean;
}

interface RoomSql {
  room_nid: number;
  room_id: string;
  room_version: string;
  current_snapshot_nid: number | null;
  is_public: number;
  is_blocked: number;
  created_at: number;
}
interface MemberSql {
  room_nid: number;
  room_id: string;
  user_id: string;
  membership: string;
  event_nid: number;
  stream_ordering: number;
  forgotten: number;
}

const toRoom = (r: RoomSql): RoomRow => ({
  roomNid: r.room_nid,
  roomId: r.room_id,
  roomVersion: r.room_version,
  currentSnapshotNid: r.current_snapshot_nid,
  isPublic: r.is_public === 1,
  isBlocked: r.is_blocked === 1,
  createdAt: r.created_at,
});
const toMember = (r: MemberSql): MembershipRow => ({
  roomNid: r.room_nid,
  roomId: r.room_id,
  userId: r.user_id,
  membership: r.membership,
  eventNid: r.event_nid,
  streamOrdering: r.stream_ordering,
  forgotten: r.forgotten === 1,
});

export interface RoomRepo {
  insert(roomId: string, roomVersion: string, createdAt: number): number;
  byId(roomId: string): RoomRow | null;
  byNid(roomNid: number): RoomRow | null;
  setCurrentSnapshot(roomNid: number, snapshotNid: number): void;
  setPublic(roomNid: number, isPublic: boolean): void;
  setBlocked(roomNid: number, blocked: boolean): void;
  /** Public rooms, ordered by joined member count (desc) then room ID. */
  publicRooms(): { roomNid: number; roomId: string; joined: number }[];
  all(opts: { from: number; limit: number }): RoomRow[];
  count(): number;

  /** Current state: key nid -> event nid. */
  currentState(roomNid: number): Map<number, number>;
  currentStateEvent(roomNid: number, stateKeyNid: number): number | null;
  /** Applies a change set to current_state (event nid 0 removes the key). */
  applyCurrentState(roomNid: number, changes: ReadonlyMap<number, number>): void;

  setMembership(m: {
    roomNid: number;
    userId: string;
    membership: string;
    eventNid: number;
    streamOrdering: number;
  }): void;
  membership(roomNid: number, userId: string): MembershipRow | null;
  /** Rooms where the user's current membership is one of `memberships`. */
  roomsOfUser(userId: string, memberships: readonly string[]): MembershipRow[];
  members(roomNid: number, membership?: string): MembershipRow[];
  countMembers(roomNid: number, membership: string): number;
  setForgotten(roomNid: number, userId: string): void;
  /** The stream position of the user's newest join event in the room (any point in history), or null. */
  lastJoinStream(roomNid: number, userId: string): number | null;

  txnEvent(userId: string, deviceId: string, txnId: string): string | null;
  /** The (device, transaction ID) a local event was sent with, if any. */
  txnOfEvent(eventId: string): { userId: string; deviceId: string; txnId: string } | null;
  insertTxn(userId: string, deviceId: string, txnId: string, eventId: string, at: number): void;

  insertAlias(alias: string, roomNid: number, creator: string, at: number): "ok" | "exists";
  alias(alias: string): { roomId: string; roomNid: number; creator: string } | null;
  deleteAlias(alias: string): boolean;
  aliasesOf(roomNid: number): string[];
}

export function createRoomRepo(db: Db): RoomRepo {
  const s = db.sqlite;
  const ROOM_COLS = "room_nid, room_id, room_version, current_snapshot_nid, is_public, is_blocked, created_at";
  const MEMBER_COLS = "m.room_nid, r.room_id, m.user_id, m.membership, m.event_nid, m.stream_ordering, m.forgotten";
  const q = {
    insert: s.query<{ room_nid: number }, [string, string, number]>(
      "INSERT INTO rooms (room_id, room_version, created_at) VALUES (?, ?, ?) RETURNING room_nid",
    ),
    byId: s.query<RoomSql, [string]>(`SELECT ${ROOM_COLS} FROM rooms WHERE room_id = ?`),
    byNid: s.query<RoomSql, [number]>(`SELECT ${ROOM_COLS} FROM rooms WHERE room_nid = ?`),
    setSnapshot: s.query("UPDATE rooms SET current_snapshot_nid = ? WHERE room_nid = ?"),
    setPublic: s.query("UPDATE rooms SET is_public = ? WHERE room_nid = ?"),
    setBlocked: s.query("UPDATE rooms SET is_blocked = ? WHERE room_nid = ?"),
    publicRooms: s.query<{ room_nid: number; room_id: string; joined: number }, []>(
      `SELECT r.room_nid, r.room_id,
         (SELECT count(*) FROM room_memberships m WHERE m.room_nid = r.room_nid AND m.membership = 'join') AS joined
       FROM rooms r WHERE r.is_public = 1 AND r.is_blocked = 0 ORDER BY joined DESC, r.room_id ASC`,
    ),
    all: s.query<RoomSql, [number, number]>(
      `SELECT ${ROOM_COLS} FROM rooms WHERE room_nid > ? ORDER BY room_nid LIMIT ?`,
    ),
    count: s.query<{ n: number }, []>("SELECT count(*) AS n FROM rooms"),
    currentState: s.query<{ state_key_nid: number; event_nid: number }, [number]>(
      "SELECT state_key_nid, event_nid FROM current_state WHERE room_nid = ?",
    ),
    currentOne: s.query<{ event_nid: number }, [number, number]>(
      "SELECT event_nid FROM current_state WHERE room_nid = ? AND state_key_nid = ?",
    ),
    upsertCurrent: s.query(
      "INSERT INTO current_state (room_nid, state_key_nid, event_nid) VALUES (?, ?, ?) ON CONFLICT (room_nid, state_key_nid) DO UPDATE SET event_nid = excluded.event_nid",
    ),
    deleteCurrent: s.query("DELETE FROM current_state WHERE room_nid = ? AND state_key_nid = ?"),
    setMembership: s.query(
      `INSERT INTO room_memberships (room_nid, user_id, membership, event_nid, stream_ordering, forgotten) VALUES (?, ?, ?, ?, ?, 0)
       ON CONFLICT (room_nid, user_id) DO UPDATE SET membership = excluded.membership, event_nid = excluded.event_nid,
         stream_ordering = excluded.stream_ordering, forgotten = 0`,
    ),
    membership: s.query<MemberSql, [number, string]>(
      `SELECT ${MEMBER_COLS} FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid WHERE m.room_nid = ? AND m.user_id = ?`,
    ),
    members: s.query<MemberSql, [number]>(
      `SELECT ${MEMBER_COLS} FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid WHERE m.room_nid = ? ORDER BY m.user_id`,
    ),
    membersWith: s.query<MemberSql, [number, string]>(
      `SELECT ${MEMBER_COLS} FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid WHERE m.room_nid = ? AND m.membership = ? ORDER BY m.user_id`,
    ),
    countMembers: s.query<{ n: number }, [number, string]>(
      "SELECT count(*) AS n FROM room_memberships WHERE room_nid = ? AND membership = ?",
    ),
    forget: s.query("UPDATE room_memberships SET forgotten = 1 WHERE room_nid = ? AND user_id = ?"),
    lastJoin: s.query<{ m: number | null }, [number, string]>(
      `SELECT max(stream_ordering) AS m FROM events
        WHERE room_nid = ? AND type = 'm.room.member' AND state_key = ? AND outlier = 0 AND rejected_reason IS NULL
          AND json_extract(json, '$.content.membership') = 'join'`,
    ),
    txn: s.query<{ event_id: string }, [string, string, string]>(
      "SELECT event_id FROM event_txn_ids WHERE user_id = ? AND device_id = ? AND txn_id = ?",
    ),
    txnOf: s.query<{ user_id: string; device_id: string; txn_id: string }, [string]>(
      "SELECT user_id, device_id, txn_id FROM event_txn_ids WHERE event_id = ?",
    ),
    insertTxn: s.query(
      "INSERT INTO event_txn_ids (user_id, device_id, txn_id, event_id, created_at) VALUES (?, ?, ?, ?, ?)",
    ),
    insertAlias: s.query(
      "INSERT INTO room_aliases (alias, room_nid, creator, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (alias) DO NOTHING",
    ),
    alias: s.query<{ room_id: string; room_nid: number; creator: string }, [string]>(
      "SELECT r.room_id, a.room_nid, a.creator FROM room_aliases a JOIN rooms r ON r.room_nid = a.room_nid WHERE a.alias = ?",
    ),
    deleteAlias: s.query("DELETE FROM room_aliases WHERE alias = ?"),
    aliasesOf: s.query<{ alias: string }, [number]>("SELECT alias FROM room_aliases WHERE room_nid = ? ORDER BY alias"),
  };

  return {
    insert: (roomId, version, at) => q.insert.get(roomId, version, at)!.room_nid,
    byId: (id) => {
      const r = q.byId.get(id);
      return r ? toRoom(r) : null;
    },
    byNid: (nid) => {
      const r = q.byNid.get(nid);
      return r ? toRoom(r) : null;
    },
    setCurrentSnapshot: (roomNid, snap) => {
      q.setSnapshot.run(snap, roomNid);
    },
    setPublic: (roomNid, p) => {
      q.setPublic.run(p ? 1 : 0, roomNid);
    },
    setBlocked: (roomNid, b) => {
      q.setBlocked.run(b ? 1 : 0, roomNid);
    },
    publicRooms: () => q.publicRooms.all().map((r) => ({ roomNid: r.room_nid, roomId: r.room_id, joined: r.joined })),
    all: ({ from, limit }) => q.all.all(from, limit).map(toRoom),
    count: () => q.count.get()!.n,
    currentState: (roomNid) => new Map(q.currentState.all(roomNid).map((r) => [r.state_key_nid, r.event_nid])),
    currentStateEvent: (roomNid, key) => q.currentOne.get(roomNid, key)?.event_nid ?? null,
    applyCurrentState(roomNid, changes) {
      for (const [k, e] of changes) {
        if (e === 0) q.deleteCurrent.run(roomNid, k);
        else q.upsertCurrent.run(roomNid, k, e);
      }
    },
    setMembership: (m) => {
      q.setMembership.run(m.roomNid, m.userId, m.membership, m.eventNid, m.streamOrdering);
    },
    membership: (roomNid, userId) => {
      const r = q.membership.get(roomNid, userId);
      return r ? toMember(r) : null;
    },
    roomsOfUser(userId, memberships) {
      const rows = s
        .query<MemberSql, string[]>(
          `SELECT ${MEMBER_COLS} FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid
            WHERE m.user_id = ? AND m.membership IN (${memberships.map(() => "?").join(",")}) ORDER BY m.stream_ordering`,
        )
        .all(userId, ...memberships);
      return rows.map(toMember);
    },
    members: (roomNid, membership) =>
      (membership ? q.membersWith.all(roomNid, membership) : q.members.all(roomNid)).map(toMember),
    countMembers: (roomNid, membership) => q.countMembers.get(roomNid, membership)!.n,
    setForgotten: (roomNid, userId) => {
      q.forget.run(roomNid, userId);
    },
    lastJoinStream: (roomNid, userId) => q.lastJoin.get(roomNid, userId)?.m ?? null,
    txnEvent: (u, d, t) => q.txn.get(u, d, t)?.event_id ?? null,
    txnOfEvent: (e) => {
      const r = q.txnOf.get(e);
      return r ? { userId: r.user_id, deviceId: r.device_id, txnId: r.txn_id } : null;
    },
    insertTxn: (u, d, t, e, at) => {
      q.insertTxn.run(u, d, t, e, at);
    },
    insertAlias: (alias, roomNid, creator, at) =>
      q.insertAlias.run(alias, roomNid, creator, at).changes === 1 ? "ok" : "exists",
    alias: (a) => {
      const r = q.alias.get(a);
      return r ? { roomId: r.room_id, roomNid: r.room_nid, creator: r.creator } : null;
    },
    deleteAlias: (a) => q.deleteAlias.run(a).changes > 0,
    aliasesOf: (roomNid) => q.aliasesOf.all(roomNid).map((r) => r.alias),
  };
}
