-- End-to-end encryption: device keys, one-time and fallback keys, cross-signing keys and signatures,
-- send-to-device inboxes, the device-list stream, and server-side key backups. The server never sees
-- plaintext: everything here is public keys, signatures, or ciphertext the clients made.

-- Stream heads of the two e2ee streams (sync tokens carry them). Positions are never reused, even
-- after the rows that held them are deleted.
CREATE TABLE e2ee_stream_heads (
  stream TEXT PRIMARY KEY CHECK (stream IN ('to_device', 'device_lists')),
  pos INTEGER NOT NULL CHECK (pos >= 0)
) STRICT;
INSERT INTO e2ee_stream_heads (stream, pos) VALUES ('to_device', 0), ('device_lists', 0);

-- Device identity keys (POST /keys/upload `device_keys`), as uploaded, without `unsigned`.
-- `ed25519_key` is the device's signing key, kept apart to check other signatures by the device.
CREATE TABLE e2e_device_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  ed25519_key TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;

-- Unclaimed one-time keys. `id` is the upload order: /keys/claim gives out the oldest first and
-- deletes it in the same statement.
CREATE TABLE e2e_one_time_keys (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  UNIQUE (user_id, device_id, algorithm, key_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX e2e_one_time_keys_claim ON e2e_one_time_keys (user_id, device_id, algorithm, id);

-- One fallback key per device and algorithm; `used` is set when /keys/claim handed it out.
CREATE TABLE e2e_fallback_keys (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_id TEXT NOT NULL,
  key_json TEXT NOT NULL,
  used INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
  PRIMARY KEY (user_id, device_id, algorithm),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;

-- A user's current cross-signing keys, one per usage, as uploaded.
CREATE TABLE e2e_cross_signing_keys (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  usage TEXT NOT NULL CHECK (usage IN ('master', 'self_signing', 'user_signing')),
  public_key TEXT NOT NULL,
  key_json TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, usage)
) STRICT;

-- Signatures added with POST /keys/signatures/upload. The target key is named as that endpoint
-- names it: a device ID, or a master key's public key (they never collide: uploads are refused).
CREATE TABLE e2e_key_signatures (
  target_user_id TEXT NOT NULL,
  target_key_id TEXT NOT NULL,
  signer_user_id TEXT NOT NULL,
  signer_key_id TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (target_user_id, target_key_id, signer_user_id, signer_key_id)
) STRICT, WITHOUT ROWID;

-- The device-list stream. A user's devices or keys changed at `stream_pos` (latest change only:
-- a reader asking "since P" sees the user when the latest change is after P).
CREATE TABLE device_list_changes (
  user_id TEXT PRIMARY KEY,
  stream_pos INTEGER NOT NULL
) STRICT;
CREATE INDEX device_list_changes_pos ON device_list_changes (stream_pos);

-- Changes only one user may learn of: `viewer` signed `target`'s master key with their
-- user-signing key, which only `viewer`'s own devices can see.
CREATE TABLE device_list_private_changes (
  viewer_user_id TEXT NOT NULL,
  target_user_id TEXT NOT NULL,
  stream_pos INTEGER NOT NULL,
  PRIMARY KEY (viewer_user_id, target_user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX device_list_private_changes_pos ON device_list_private_changes (viewer_user_id, stream_pos);

-- Membership changes on the device-list stream (users who start or stop sharing a room), latest
-- per room and user.
CREATE TABLE device_list_room_changes (
  room_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  membership TEXT NOT NULL,
  stream_pos INTEGER NOT NULL,
  PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX device_list_room_changes_pos ON device_list_room_changes (stream_pos);
CREATE INDEX device_list_room_changes_user ON device_list_room_changes (user_id, stream_pos);

-- Send-to-device messages waiting for their device, in arrival order (`stream_pos` on the
-- to_device stream). Deleted when the device's sync acknowledges them, or with the device.
CREATE TABLE to_device_inbox (
  stream_pos INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  type TEXT NOT NULL,
  content TEXT NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX to_device_inbox_device ON to_device_inbox (user_id, device_id, stream_pos);

-- Transaction IDs of PUT /sendToDevice per sending device, for idempotency (kept for a day).
CREATE TABLE to_device_txns (
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  txn_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, txn_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX to_device_txns_created ON to_device_txns (created_at);

-- Server-side key backups. Versions count up per user and are never reused: a deleted version keeps
-- its row (deleted = 1) so that deleting it again succeeds. `etag` counts changes to its keys.
CREATE TABLE key_backup_versions (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version > 0),
  algorithm TEXT NOT NULL,
  auth_data TEXT NOT NULL,
  etag INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, version)
) STRICT;

CREATE TABLE key_backup_sessions (
  user_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  room_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  first_message_index INTEGER NOT NULL,
  forwarded_count INTEGER NOT NULL,
  is_verified INTEGER NOT NULL CHECK (is_verified IN (0, 1)),
  session_data TEXT NOT NULL,
  PRIMARY KEY (user_id, version, room_id, session_id),
  FOREIGN KEY (user_id, version) REFERENCES key_backup_versions (user_id, version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
