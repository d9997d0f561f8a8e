/**
 * Room administration in storage: who blocked a room, moving aliases between rooms (upgrades), and
 * purging a room's history (events, state, memberships, aliases) in one transaction.
 */
import type { Db } from "../db";

export interface PurgeResult {
  /** Event numbers that no longer exist (callers drop them from caches: numbers can be reused). */
  eventNids: number[];
  /** State snapshot numbers that no longer exist. */
  snapshotNids: number[];
  /** The room's local aliases, now deleted. */
  aliases: string[];
}

export interface RoomAdminRepo {
  setBlock(roomId: string, by: string, at: number): void;
  clearBlock(roomId: string): void;
  blockedBy(roomId: string): string | null;
  /** Points an alias at another room. */
  moveAlias(alias: string, toRoomNid: number): void;
  /**
   * Deletes everything the room holds: its events and their edges, state snapshots, current state,
   * memberships, forward extremities, transaction IDs, aliases, and the rows of any other table that
   * references the room, its events or its snapshots by foreign key. The `rooms` row stays (with no
   * current state) so the room ID keeps its blocked flag and room numbers are never reused.
   */
  purgeRoom(roomNid: number, now?: number): PurgeResult;
}

/**
 * Row numbers and stream positions must never go back: other processes (a running server while the
 * CLI purges) cache events and snapshots by number, and sync tokens hold stream positions. When a
 * purge removes the highest ones, one inert marker row (an outlier event rejected as "purged", an
 * empty snapshot) keeps the high-water marks in the purged room.
 */
export const PURGED_TYPE = "org.hearth.purged";

/** The tables this function deletes from itself, in this order (children before parents). */
const CORE_TABLES = new Set([
  "rooms",
  "events",
  "event_edges",
  "event_auth_edges",
  "forward_extremities",
  "state_snapshots",
  "state_snapshot_entries",
  "current_state",
  "room_memberships",
  "room_aliases",
]);

interface ForeignKey {
  table: string;
  from: string;
  to: "room" | "event" | "snapshot";
}

export function createRoomAdminRepo(db: Db): RoomAdminRepo {
  const s = db.sqlite;
  const q = {
    setBlock: s.query(
      "INSERT INTO room_blocks (room_id, blocked_by, blocked_at) VALUES (?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET blocked_by = excluded.blocked_by, blocked_at = excluded.blocked_at",
    ),
    clearBlock: s.query("DELETE FROM room_blocks WHERE room_id = ?"),
    blockedBy: s.query<{ blocked_by: string }, [string]>("SELECT blocked_by FROM room_blocks WHERE room_id = ?"),
    moveAlias: s.query("UPDATE room_aliases SET room_nid = ? WHERE alias = ?"),
    eventNids: s.query<{ event_nid: number }, [number]>("SELECT event_nid FROM events WHERE room_nid = ?"),
    snapshotNids: s.query<{ snapshot_nid: number }, [number]>(
      "SELECT snapshot_nid FROM state_snapshots WHERE room_nid = ?",
    ),
    aliases: s.query<{ alias: string }, [number]>("SELECT alias FROM room_aliases WHERE room_nid = ? ORDER BY alias"),
    eventMarks: s.query<{ nid: number | null; stream: number | null }, []>(
      "SELECT max(event_nid) AS nid, max(stream_ordering) AS stream FROM events",
    ),
    maxSnapshot: s.query<{ nid: number | null }, []>("SELECT max(snapshot_nid) AS nid FROM state_snapshots"),
    eventMarker: s.query(
      `INSERT INTO events (event_nid, event_id, room_nid, type, state_key, sender, origin_server_ts, depth, stream_ordering,
         topological_ordering, json, outlier, rejected_reason, received_at)
       VALUES (?1, '$purged:' || ?1, ?2, '${PURGED_TYPE}', NULL, '', 0, 0, ?3, 0, '{}', 1, 'purged', ?4)`,
    ),
    snapshotMarker: s.query(
      "INSERT INTO state_snapshots (snapshot_nid, room_nid, parent_nid, seq, entry_count, content_hash) VALUES (?, ?, NULL, 0, 0, zeroblob(16))",
    ),
    purge: [
      "DELETE FROM current_state WHERE room_nid = ?1",
      "DELETE FROM room_memberships WHERE room_nid = ?1",
      "DELETE FROM forward_extremities WHERE room_nid = ?1",
      "DELETE FROM room_aliases WHERE room_nid = ?1",
      "DELETE FROM event_txn_ids WHERE event_id IN (SELECT event_id FROM events WHERE room_nid = ?1)",
      "DELETE FROM event_edges WHERE event_nid IN (SELECT event_nid FROM events WHERE room_nid = ?1)",
      "DELETE FROM event_auth_edges WHERE event_nid IN (SELECT event_nid FROM events WHERE room_nid = ?1)",
      "UPDATE rooms SET current_snapshot_nid = NULL, is_public = 0 WHERE room_nid = ?1",
      "DELETE FROM events WHERE room_nid = ?1",
      "DELETE FROM state_snapshot_entries WHERE snapshot_nid IN (SELECT snapshot_nid FROM state_snapshots WHERE room_nid = ?1)",
      "DELETE FROM state_snapshots WHERE room_nid = ?1",
    ].map((sql) => s.query<unknown, [number]>(sql)),
  };

  /** Foreign keys from other tables to rooms, events or state snapshots (found when a purge runs). */
  const referencingKeys = (): ForeignKey[] => {
    const tables = s
      .query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all()
      .map((r) => r.name)
      .filter((t) => !CORE_TABLES.has(t));
    const out: ForeignKey[] = [];
    for (const table of tables) {
      const fks = s
        .query<{ id: number; table: string; from: string; to: string | null }, []>(
          `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list('${table.replace(/'/g, "''")}')`,
        )
        .all();
      const ids = new Map<number, number>();
      for (const fk of fks) ids.set(fk.id, (ids.get(fk.id) ?? 0) + 1);
      for (const fk of fks) {
        if (ids.get(fk.id) !== 1) continue; // composite keys never point at these tables
        const to =
          fk.table === "rooms" && (fk.to ?? "room_nid") === "room_nid"
            ? "room"
            : fk.table === "events" && (fk.to ?? "event_nid") === "event_nid"
              ? "event"
              : fk.table === "state_snapshots" && (fk.to ?? "snapshot_nid") === "snapshot_nid"
                ? "snapshot"
                : null;
        if (to) out.push({ table, from: fk.from, to });
      }
    }
    return out;
  };

  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

  return {
    setBlock: (roomId, by, at) => {
      q.setBlock.run(roomId, by, at);
    },
    clearBlock: (roomId) => {
      q.clearBlock.run(roomId);
    },
    blockedBy: (roomId) => q.blockedBy.get(roomId)?.blocked_by ?? null,
    moveAlias: (alias, toRoomNid) => {
      q.moveAlias.run(toRoomNid, alias);
    },
    purgeRoom(roomNid, now = 0) {
      return db.tx(() => {
        const marks = q.eventMarks.get()!;
        const topSnapshot = q.maxSnapshot.get()!.nid;
        const eventNids = q.eventNids.all(roomNid).map((r) => r.event_nid);
        const snapshotNids = q.snapshotNids.all(roomNid).map((r) => r.snapshot_nid);
        const aliases = q.aliases.all(roomNid).map((r) => r.alias);
        // Tables found by foreign key may reference each other: a delete refused because another
        // table still points at the rows is retried after the others (a refused statement leaves the
        // transaction intact); what still fails after that aborts the purge.
        let pending = referencingKeys().map((fk) => {
          const target =
            fk.to === "room"
              ? "= ?1"
              : fk.to === "event"
                ? "IN (SELECT event_nid FROM events WHERE room_nid = ?1)"
                : "IN (SELECT snapshot_nid FROM state_snapshots WHERE room_nid = ?1)";
          return `DELETE FROM ${quote(fk.table)} WHERE ${quote(fk.from)} ${target}`;
        });
        while (pending.length > 0) {
          const failed: string[] = [];
          let lastError: unknown = null;
          for (const sql of pending) {
            try {
              s.query(sql).run(roomNid);
            } catch (e) {
              failed.push(sql);
              lastError = e;
            }
          }
          if (failed.length === pending.length) throw lastError;
          pending = failed;
        }
        for (const stmt of q.purge) stmt.run(roomNid);
        const after = q.eventMarks.get()!;
        const needNid = marks.nid !== null && (after.nid ?? 0) < marks.nid;
        const needStream = marks.stream !== null && (after.stream ?? 0) < marks.stream;
        if (needNid || needStream) {
          q.eventMarker.run(needNid ? marks.nid : (after.nid ?? 0) + 1, roomNid, needStream ? marks.stream : null, now);
        }
        if (topSnapshot !== null && (q.maxSnapshot.get()!.nid ?? 0) < topSnapshot)
          q.snapshotMarker.run(topSnapshot, roomNid);
        return { eventNids, snapshotNids, aliases };
      });
    },
  };
}
