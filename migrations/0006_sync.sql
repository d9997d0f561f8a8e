-- Sync: receipts and presence (each with its own stream position), and the positions up to which
-- a user has implicitly read a room by sending to it. Typing lives in memory.

-- The latest receipt of each (room, user, type, thread). thread_id '' is an unthreaded receipt;
-- 'main' or a thread root's event ID a threaded one. event_stream is the receipted event's
-- stream ordering (receipts never move backwards; notification counts are taken after it).
CREATE TABLE receipts (
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  user_id TEXT NOT NULL,
  receipt_type TEXT NOT NULL CHECK (receipt_type IN ('m.read', 'm.read.private')),
  thread_id TEXT NOT NULL DEFAULT '',
  event_id TEXT NOT NULL,
  event_stream INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  stream_pos INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (room_nid, user_id, receipt_type, thread_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX receipts_room_stream ON receipts (room_nid, stream_pos);

-- The last presence of each local user that was shared (the live state is kept in memory).
CREATE TABLE presence (
  user_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('online', 'unavailable', 'offline')),
  status_msg TEXT,
  last_active_ts INTEGER NOT NULL,
  currently_active INTEGER NOT NULL CHECK (currently_active IN (0, 1)),
  stream_pos INTEGER NOT NULL UNIQUE
) STRICT;

-- Sending an event reads everything before it (client-server API, "Receiving notifications"):
-- the stream ordering of each user's latest own event per room and thread ('' = main timeline).
CREATE TABLE implicit_reads (
  user_id TEXT NOT NULL,
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  thread_id TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL,
  PRIMARY KEY (user_id, room_nid, thread_id)
) STRICT, WITHOUT ROWID;

-- Room summaries (heroes): the members of a room in the order they joined or were invited.
CREATE INDEX room_memberships_room_order ON room_memberships (room_nid, membership, stream_ordering);
