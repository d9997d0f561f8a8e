/** The last shared presence of each local user, with its position in the presence stream. */
import type { Db } from "../db";

export type PresenceState = "online" | "unavailable" | "offline";

export interface PresenceRow {
  userId: string;
  state: PresenceState;
  statusMsg: string | null;
  lastActiveTs: number;
  currentlyActive: boolean;
  streamPos: number;
}

interface Sql {
  user_id: string;
  state: string;
  status_msg: string | null;
  last_active_ts: number;
  currently_active: number;
  stream_pos: number;
}

const toRow = (r: Sql): PresenceRow => ({
  userId: r.user_id,
  state: r.state as PresenceState,
  statusMsg: r.status_msg,
  lastActiveTs: r.last_active_ts,
  currentlyActive: r.currently_active === 1,
  streamPos: r.stream_pos,
});

export interface PresenceRepo {
  /** Stores a user's presence at a new stream position and returns it. */
  upsert(p: Omit<PresenceRow, "streamPos">): number;
  all(): PresenceRow[];
  maxPosition(): number;
}

export function createPresenceRepo(db: Db): PresenceRepo {
  const s = db.sqlite;
  const q = {
    max: s.query<{ pos: number }, []>("SELECT coalesce(max(stream_pos), 0) AS pos FROM presence"),
    upsert: s.query(
      `INSERT INTO presence (user_id, state, status_msg, last_active_ts, currently_active, stream_pos) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, status_msg = excluded.status_msg,
         last_active_ts = excluded.last_active_ts, currently_active = excluded.currently_active, stream_pos = excluded.stream_pos`,
    ),
    all: s.query<Sql, []>(
      "SELECT user_id, state, status_msg, last_active_ts, currently_active, stream_pos FROM presence",
    ),
  };
  return {
    upsert(p) {
      return db.tx(() => {
        const pos = (q.max.get()?.pos ?? 0) + 1;
        q.upsert.run(p.userId, p.state, p.statusMsg, p.lastActiveTs, p.currentlyActive ? 1 : 0, pos);
        return pos;
      });
    },
    all: () => q.all.all().map(toRow),
    maxPosition: () => q.max.get()?.pos ?? 0,
  };
}
