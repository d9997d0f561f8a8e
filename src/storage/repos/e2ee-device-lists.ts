/**
 * The device-list stream (who changed devices or keys, who started or stopped sharing a room), and
 * the few reads of room memberships it needs. Memberships are read from the rooms tables
 * (`room_memberships`, `rooms`); only joined memberships count as sharing a room.
 */
import type { Db } from "../db";

export interface RoomChange {
  roomId: string;
  userId: string;
  membership: string;
}

export interface DeviceListRepo {
  upsertChange(userId: string, pos: number): void;
  upsertPrivateChange(viewerUserId: string, targetUserId: string, pos: number): void;
  upsertRoomChange(roomId: string, userId: string, membership: string, pos: number): void;

  /**
   * Users whose latest change is after `since` and who are `viewer` or share a joined room with
   * `viewer` now.
   */
  changedSince(viewer: string, since: number): string[];
  /** Targets of `viewer`'s private changes after `since`. */
  privateChangedSince(viewer: string, since: number): string[];
  /** The user's own membership changes after `since`. */
  roomChangesOfUserSince(userId: string, since: number): RoomChange[];
  /** Other users' membership changes after `since` in rooms `userId` is joined to now. */
  roomChangesInJoinedRoomsSince(userId: string, since: number): RoomChange[];
  /** Users with a membership change in the room after `since`. */
  usersChangedInRoomSince(roomId: string, since: number): string[];

  /** The user's current membership in the room (rooms tables), or null. */
  currentMembership(roomId: string, userId: string): string | null;
  /** The membership last recorded on the device-list stream for the user in the room, or null. */
  recordedMembership(roomId: string, userId: string): string | null;
  joinedMembers(roomId: string): string[];
  /** True when both users are joined to at least one common room. */
  sharesRoom(a: string, b: string): boolean;
  /** Every user joined to a room `userId` is joined to (including `userId` when joined anywhere). */
  usersSharingRoomWith(userId: string): string[];
}

export function createDeviceListRepo(db: Db): DeviceListRepo {
  const s = db.sqlite;
  const SHARES = `EXISTS (SELECT 1 FROM room_memberships a JOIN room_memberships b ON b.room_nid = a.room_nid
     WHERE a.user_id = ? AND a.membership = 'join' AND b.user_id = %TARGET% AND b.membership = 'join')`;
  const q = {
    upsertChange: s.query(
      `INSERT INTO device_list_changes (user_id, stream_pos) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET stream_pos = excluded.stream_pos`,
    ),
    upsertPrivate: s.query(
      `INSERT INTO device_list_private_changes (viewer_user_id, target_user_id, stream_pos) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET stream_pos = excluded.stream_pos`,
    ),
    upsertRoom: s.query(
      `INSERT INTO device_list_room_changes (room_id, user_id, membership, stream_pos) VALUES (?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET membership = excluded.membership, stream_pos = excluded.stream_pos`,
    ),
    changedSince: s.query<{ user_id: string }, [number, string, string]>(
      `SELECT c.user_id FROM device_list_changes c WHERE c.stream_pos > ?
         AND (c.user_id = ? OR ${SHARES.replace("%TARGET%", "c.user_id")}) ORDER BY c.user_id`,
    ),
    privateSince: s.query<{ target_user_id: string }, [string, number]>(
      "SELECT target_user_id FROM device_list_private_changes WHERE viewer_user_id = ? AND stream_pos > ? ORDER BY target_user_id",
    ),
    ownRoomChanges: s.query<{ room_id: string; user_id: string; membership: string }, [string, number]>(
      "SELECT room_id, user_id, membership FROM device_list_room_changes WHERE user_id = ? AND stream_pos > ? ORDER BY stream_pos",
    ),
    othersRoomChanges: s.query<{ room_id: string; user_id: string; membership: string }, [number, string, string]>(
      `SELECT c.room_id, c.user_id, c.membership FROM device_list_room_changes c
         JOIN rooms r ON r.room_id = c.room_id
         JOIN room_memberships m ON m.room_nid = r.room_nid
        WHERE c.stream_pos > ? AND m.user_id = ? AND m.membership = 'join' AND c.user_id != ?
        ORDER BY c.stream_pos`,
    ),
    usersChangedInRoom: s.query<{ user_id: string }, [string, number]>(
      "SELECT user_id FROM device_list_room_changes WHERE room_id = ? AND stream_pos > ?",
    ),
    current: s.query<{ membership: string }, [string, string]>(
      `SELECT m.membership FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid
        WHERE r.room_id = ? AND m.user_id = ?`,
    ),
    recorded: s.query<{ membership: string }, [string, string]>(
      "SELECT membership FROM device_list_room_changes WHERE room_id = ? AND user_id = ?",
    ),
    joined: s.query<{ user_id: string }, [string]>(
      `SELECT m.user_id FROM room_memberships m JOIN rooms r ON r.room_nid = m.room_nid
        WHERE r.room_id = ? AND m.membership = 'join' ORDER BY m.user_id`,
    ),
    shares: s.query<{ x: number }, [string, string]>(`SELECT ${SHARES.replace("%TARGET%", "?")} AS x`),
    sharing: s.query<{ user_id: string }, [string]>(
      `SELECT DISTINCT b.user_id FROM room_memberships a JOIN room_memberships b ON b.room_nid = a.room_nid
        WHERE a.user_id = ? AND a.membership = 'join' AND b.membership = 'join'`,
    ),
  };
  const toRoomChange = (r: { room_id: string; user_id: string; membership: string }): RoomChange => ({
    roomId: r.room_id,
    userId: r.user_id,
    membership: r.membership,
  });
  return {
    upsertChange(userId, pos) {
      q.upsertChange.run(userId, pos);
    },
    upsertPrivateChange(viewer, target, pos) {
      q.upsertPrivate.run(viewer, target, pos);
    },
    upsertRoomChange(roomId, userId, membership, pos) {
      q.upsertRoom.run(roomId, userId, membership, pos);
    },
    changedSince: (viewer, since) => q.changedSince.all(since, viewer, viewer).map((r) => r.user_id),
    privateChangedSince: (viewer, since) => q.privateSince.all(viewer, since).map((r) => r.target_user_id),
    roomChangesOfUserSince: (userId, since) => q.ownRoomChanges.all(userId, since).map(toRoomChange),
    roomChangesInJoinedRoomsSince: (userId, since) => q.othersRoomChanges.all(since, userId, userId).map(toRoomChange),
    usersChangedInRoomSince: (roomId, since) => q.usersChangedInRoom.all(roomId, since).map((r) => r.user_id),
    currentMembership: (roomId, userId) => q.current.get(roomId, userId)?.membership ?? null,
    recordedMembership: (roomId, userId) => q.recorded.get(roomId, userId)?.membership ?? null,
    joinedMembers: (roomId) => q.joined.all(roomId).map((r) => r.user_id),
    sharesRoom: (a, b) => q.shares.get(a, b)?.x === 1,
    usersSharingRoomWith: (userId) => q.sharing.all(userId).map((r) => r.user_id),
  };
}
