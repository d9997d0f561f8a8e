-- Server metadata (server_name is recorded here; a start with another name is refused).
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  localpart TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  is_guest INTEGER NOT NULL DEFAULT 0 CHECK (is_guest IN (0, 1)),
  deactivated INTEGER NOT NULL DEFAULT 0 CHECK (deactivated IN (0, 1)),
  displayname TEXT,
  avatar_url TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  display_name TEXT,
  last_seen_ts INTEGER,
  last_seen_ip TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id)
) STRICT;

-- Access tokens are stored only as SHA-256 hashes.
CREATE TABLE access_tokens (
  token_hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  -- Set when the token came with a refresh token: using (or revoking) that refresh token deletes it.
  refresh_token_id INTEGER REFERENCES refresh_tokens (id) ON DELETE CASCADE,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX access_tokens_device ON access_tokens (user_id, device_id);

-- Refresh tokens (stored only as SHA-256 hashes). Using one issues a new pair and sets next_token_id;
-- the old one stays usable (for a client that lost the answer) until the new pair is used.
CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_token_id INTEGER REFERENCES refresh_tokens (id) ON DELETE SET NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX refresh_tokens_device ON refresh_tokens (user_id, device_id);
CREATE INDEX refresh_tokens_next ON refresh_tokens (next_token_id) WHERE next_token_id IS NOT NULL;

-- Registration tokens for registration.mode = "token". `pending` is derived from uia_sessions.
CREATE TABLE registration_tokens (
  token TEXT PRIMARY KEY,
  uses_allowed INTEGER CHECK (uses_allowed IS NULL OR uses_allowed >= 0),
  completed INTEGER NOT NULL DEFAULT 0,
  expiry_time INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

-- User-interactive authentication sessions. `operation` binds a session to one method and path;
-- `user_id` to the account that started it (null for registration).
CREATE TABLE uia_sessions (
  session_id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  user_id TEXT,
  completed TEXT NOT NULL DEFAULT '[]',
  registration_token TEXT REFERENCES registration_tokens (token) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX uia_sessions_token ON uia_sessions (registration_token) WHERE registration_token IS NOT NULL;
CREATE INDEX uia_sessions_created ON uia_sessions (created_at);

-- Account data, global (room_id = '') and per room. stream_pos orders changes for /sync.
CREATE TABLE account_data (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  room_id TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL,
  content TEXT NOT NULL,
  stream_pos INTEGER NOT NULL UNIQUE,
  PRIMARY KEY (user_id, room_id, type)
) STRICT;
CREATE INDEX account_data_user_stream ON account_data (user_id, stream_pos);

-- Filters uploaded by clients; filter_id is per user.
CREATE TABLE filters (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  filter_id INTEGER NOT NULL,
  filter_json TEXT NOT NULL,
  PRIMARY KEY (user_id, filter_id)
) STRICT;
