-- Rooms, events and state. Designed for federation: events are stored verbatim with extracted
-- columns; state is stored as interned keys and snapshots that are deltas against a parent snapshot
-- (a full snapshot at a bounded chain depth), shared between events by content hash.

CREATE TABLE rooms (
  room_nid INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL UNIQUE,
  room_version TEXT NOT NULL,
  -- Snapshot of the current (resolved) state; NULL until the create event is stored.
  current_snapshot_nid INTEGER,
  -- Published in the room directory (m.room.directory visibility "public").
  is_public INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
  -- Blocked by an admin: nobody on this server may join.
  is_blocked INTEGER NOT NULL DEFAULT 0 CHECK (is_blocked IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;

-- Interned (type, state_key) pairs.
CREATE TABLE state_keys (
  state_key_nid INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  state_key TEXT NOT NULL,
  UNIQUE (type, state_key)
) STRICT;

CREATE TABLE events (
  event_nid INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  type TEXT NOT NULL,
  state_key TEXT,
  sender TEXT NOT NULL,
  origin_server_ts INTEGER NOT NULL,
  depth INTEGER NOT NULL,
  -- Position in the room-events stream (sync). NULL for outliers. Backfilled events get negative values.
  stream_ordering INTEGER UNIQUE,
  -- Order for history (/messages): depth, then stream_ordering.
  topological_ordering INTEGER NOT NULL,
  -- The PDU exactly as created or received (never re-serialised for federation).
  json TEXT NOT NULL,
  -- State before and after this event (after = before for non-state events). NULL for outliers.
  state_before_nid INTEGER,
  state_after_nid INTEGER,
  outlier INTEGER NOT NULL DEFAULT 0 CHECK (outlier IN (0, 1)),
  rejected_reason TEXT,
  soft_failed INTEGER NOT NULL DEFAULT 0 CHECK (soft_failed IN (0, 1)),
  -- Event ID of the redaction that applies to this event, once it is known and valid.
  redacted_by TEXT,
  -- When the content was pruned from storage (redaction retention), or NULL.
  pruned_at INTEGER,
  -- m.relates_to, extracted for relations and threads.
  rel_type TEXT,
  relates_to_id TEXT,
  -- The thread this event belongs to (its root), or NULL.
  thread_id TEXT,
  -- Extracted for history visibility and receipts. 1 when the event carries a URL (contains_url filter).
  contains_url INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX events_room_topo ON events (room_nid, topological_ordering, stream_ordering);
CREATE INDEX events_room_stream ON events (room_nid, stream_ordering);
CREATE INDEX events_relates ON events (relates_to_id, rel_type) WHERE relates_to_id IS NOT NULL;
CREATE INDEX events_thread ON events (room_nid, thread_id, stream_ordering) WHERE thread_id IS NOT NULL;
CREATE INDEX events_room_ts ON events (room_nid, origin_server_ts);

-- prev_events edges (the target may not be known yet: kept by ID).
CREATE TABLE event_edges (
  event_nid INTEGER NOT NULL REFERENCES events (event_nid),
  prev_event_id TEXT NOT NULL,
  PRIMARY KEY (event_nid, prev_event_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_edges_prev ON event_edges (prev_event_id);

CREATE TABLE event_auth_edges (
  event_nid INTEGER NOT NULL REFERENCES events (event_nid),
  auth_event_id TEXT NOT NULL,
  PRIMARY KEY (event_nid, auth_event_id)
) STRICT, WITHOUT ROWID;

-- Events with no known successor: the prev_events of the next event we create.
CREATE TABLE forward_extremities (
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  event_nid INTEGER NOT NULL REFERENCES events (event_nid),
  PRIMARY KEY (room_nid, event_nid)
) STRICT, WITHOUT ROWID;

-- A state snapshot is either full (parent_nid NULL, seq 0) or a delta over an ancestor. seq counts
-- the changes since the last full snapshot; the delta of snapshot n is taken against the ancestor at
-- n with its lowest set bit cleared, so reading takes at most log2(n) hops and n changes cost
-- O(n log n) rows (see src/storage/repos/state-store.ts). content_hash identifies the full state (a
-- sum of per-entry hashes, so it updates in O(delta)) and lets identical states share one snapshot.
CREATE TABLE state_snapshots (
  snapshot_nid INTEGER PRIMARY KEY,
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  parent_nid INTEGER REFERENCES state_snapshots (snapshot_nid),
  seq INTEGER NOT NULL,
  entry_count INTEGER NOT NULL,
  content_hash BLOB NOT NULL,
  UNIQUE (room_nid, content_hash)
) STRICT;

-- event_nid 0 marks a key removed relative to the parent (never in a full snapshot).
CREATE TABLE state_snapshot_entries (
  snapshot_nid INTEGER NOT NULL REFERENCES state_snapshots (snapshot_nid),
  state_key_nid INTEGER NOT NULL,
  event_nid INTEGER NOT NULL,
  PRIMARY KEY (snapshot_nid, state_key_nid)
) STRICT, WITHOUT ROWID;

-- Current state, for fast reads (mirrors rooms.current_snapshot_nid).
CREATE TABLE current_state (
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  state_key_nid INTEGER NOT NULL,
  event_nid INTEGER NOT NULL REFERENCES events (event_nid),
  PRIMARY KEY (room_nid, state_key_nid)
) STRICT, WITHOUT ROWID;

-- Current membership of every user (local or remote) in every room, denormalised from current_state.
CREATE TABLE room_memberships (
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  user_id TEXT NOT NULL,
  membership TEXT NOT NULL,
  event_nid INTEGER NOT NULL REFERENCES events (event_nid),
  stream_ordering INTEGER NOT NULL,
  -- Set by /forget; cleared when the membership changes again.
  forgotten INTEGER NOT NULL DEFAULT 0 CHECK (forgotten IN (0, 1)),
  PRIMARY KEY (room_nid, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX room_memberships_user ON room_memberships (user_id, membership);

-- Transaction IDs of local sends, for idempotency (per device, as the spec says).
CREATE TABLE event_txn_ids (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  txn_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_txn_ids_event ON event_txn_ids (event_id);

CREATE TABLE room_aliases (
  alias TEXT PRIMARY KEY,
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  creator TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX room_aliases_room ON room_aliases (room_nid);
