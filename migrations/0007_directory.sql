-- Directory, spaces, reports and room administration.

-- What the room directory, the space hierarchy, room summaries, the user directory and the admin
-- room list show about a room, derived from its current state. `snapshot_nid` is the
-- rooms.current_snapshot_nid the row was computed from: a row whose snapshot differs is stale and is
-- recomputed before it is read, so the table can never drift from the room's state.
CREATE TABLE room_summaries (
  room_nid INTEGER PRIMARY KEY REFERENCES rooms (room_nid),
  snapshot_nid INTEGER NOT NULL,
  name TEXT,
  topic TEXT,
  canonical_alias TEXT,
  avatar_url TEXT,
  -- The rule as written ("" when the event holds no string); "invite" when the room has none.
  join_rule TEXT NOT NULL,
  -- JSON array of the room IDs in a restricted join rule's `allow` list.
  allowed_room_ids TEXT NOT NULL DEFAULT '[]',
  history_visibility TEXT NOT NULL,
  guest_access TEXT,
  room_type TEXT,
  encryption TEXT,
  creator TEXT,
  federatable INTEGER NOT NULL DEFAULT 1 CHECK (federatable IN (0, 1)),
  joined_members INTEGER NOT NULL,
  joined_local_members INTEGER NOT NULL,
  invited_members INTEGER NOT NULL,
  state_events INTEGER NOT NULL
) STRICT;
CREATE INDEX room_summaries_public ON room_summaries (join_rule, history_visibility);

-- Who blocked a room (rooms.is_blocked holds the flag itself).
CREATE TABLE room_blocks (
  room_id TEXT PRIMARY KEY,
  blocked_by TEXT NOT NULL,
  blocked_at INTEGER NOT NULL
) STRICT;

-- Reports of events, rooms and users, kept for the server's admins. No foreign keys: a report
-- outlives the room, event or user it is about (a deleted room's reports stay readable).
CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('event', 'room', 'user')),
  received_ts INTEGER NOT NULL,
  -- The reporting user.
  user_id TEXT NOT NULL,
  room_id TEXT,
  event_id TEXT,
  -- The reported user (kind = 'user'), or the reported event's sender (kind = 'event').
  target_user_id TEXT,
  reason TEXT,
  score INTEGER,
  -- The reported event as it was when reported (kind = 'event'), for admins reviewing it later.
  event_json TEXT
) STRICT;
CREATE INDEX reports_kind ON reports (kind, id);
CREATE INDEX reports_room ON reports (room_id, id);
CREATE INDEX reports_user ON reports (user_id, id);
