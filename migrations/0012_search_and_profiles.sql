-- Server-side search (POST /search), extended profile fields (GET/PUT/DELETE /profile/{userId}/{keyName})
-- and the user agent of each device's last request (GET /admin/whois/{userId}).

-- One row per indexed event: the searchable text lives only in the full-text index (search_fts, whose
-- rowid is the event_nid). Deleting a row here takes the event out of the index (trigger below), so a
-- room purge, which deletes what references its events, leaves nothing behind.
CREATE TABLE search_docs (
  event_nid INTEGER PRIMARY KEY REFERENCES events (event_nid),
  room_nid INTEGER NOT NULL REFERENCES rooms (room_nid),
  sender TEXT NOT NULL,
  type TEXT NOT NULL,
  stream_ordering INTEGER NOT NULL
) STRICT;
CREATE INDEX search_docs_room ON search_docs (room_nid, stream_ordering);

-- Columns are the spec's search keys: content.body (m.room.message), content.name (m.room.name),
-- content.topic (m.room.topic, with the text/plain m.topic). Contentless: the text is in events.json.
CREATE VIRTUAL TABLE search_fts USING fts5(
  body, name, topic,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_docs_unindex AFTER DELETE ON search_docs BEGIN
  DELETE FROM search_fts WHERE rowid = old.event_nid;
END;

-- High-water mark: every event with event_nid <= indexed_up_to has been looked at by the indexer
-- (indexed, skipped, or its redaction applied). Events above it are indexed at start and after writes.
CREATE TABLE search_progress (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_up_to INTEGER NOT NULL
) STRICT;
INSERT INTO search_progress (id, indexed_up_to) VALUES (1, 0);

-- Profile fields other than displayname and avatar_url (those stay in users): m.tz and custom keys in
-- the Common Namespaced Identifier Grammar, each value as JSON text.
CREATE TABLE profile_fields (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  key_name TEXT NOT NULL,
  value_json TEXT NOT NULL,
  PRIMARY KEY (user_id, key_name)
) STRICT, WITHOUT ROWID;

-- The User-Agent of the request that last updated last_seen_ts / last_seen_ip.
ALTER TABLE devices ADD COLUMN last_seen_user_agent TEXT;
