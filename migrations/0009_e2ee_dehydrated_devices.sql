-- Dehydrated devices (MSC3814): at most one per user, a device without access tokens whose
-- encrypted state (`device_data`, opaque to the server) a client of the same user can rehydrate
-- to read the to-device messages (room keys) sent to it while the user had no device online.
CREATE TABLE dehydrated_devices (
  user_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  device_data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (user_id, device_id) REFERENCES devices (user_id, device_id) ON DELETE CASCADE
) STRICT;
