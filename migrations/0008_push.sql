-- Push notifications: pushers, and the notifications the push rules produced for each user.

CREATE TABLE pushers (
  pusher_id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  -- The device whose session registered the pusher (removed with the device), or NULL.
  device_id TEXT,
  kind TEXT NOT NULL,
  app_id TEXT NOT NULL,
  pushkey TEXT NOT NULL,
  app_display_name TEXT NOT NULL,
  device_display_name TEXT NOT NULL,
  profile_tag TEXT,
  lang TEXT NOT NULL,
  -- JSON object: the `data` the client gave (url, format, custom keys).
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Delivery progress: notifications up to this stream ordering have been sent (or given up on).
  last_stream_ordering INTEGER NOT NULL DEFAULT 0,
  -- Consecutive failures and when to try again (exponential backoff).
  failures INTEGER NOT NULL DEFAULT 0,
  retry_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (user_id, app_id, pushkey)
) STRICT;
CREATE INDEX pushers_app_key ON pushers (app_id, pushkey);

-- One row per (user, event) the user's push rules said to notify for. Keyed by user first and then
-- stream position: every per-user read (counts after a receipt, /notifications, pusher delivery) is
-- a range of the primary key. A message in a room of N local members adds N rows that land on N
-- different pages of that key, so the table has no other user-first index (each would dirty N more
-- pages per message); the two secondary indexes are in insertion order and cost a page or two.
CREATE TABLE push_notifications (
  user_id TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL,
  event_nid INTEGER NOT NULL REFERENCES events (event_nid) ON DELETE CASCADE,
  room_id TEXT NOT NULL,
  -- The thread root, or NULL for the main timeline.
  thread_id TEXT,
  highlight INTEGER NOT NULL CHECK (highlight IN (0, 1)),
  -- The matching rule's actions (JSON array), for /notifications and the push gateway tweaks.
  actions TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (user_id, stream_ordering)
) STRICT, WITHOUT ROWID;
CREATE INDEX push_notifications_event ON push_notifications (event_nid);
-- Retention: old notifications are deleted by age.
CREATE INDEX push_notifications_ts ON push_notifications (ts);
