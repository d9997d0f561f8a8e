-- The media repository. File contents live on disk under <data_dir>/media/content/, named by their
-- SHA-256, stored once however many media IDs (or thumbnails) point at them. A content row exists
-- only for a file that was completely written, synced and renamed into place; the references to it
-- are counted from media and media_thumbnails, and a content with none is deleted by the cleanup.

CREATE TABLE media_content (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size INTEGER NOT NULL CHECK (size >= 0),
  created_at INTEGER NOT NULL
) STRICT;

-- One row per mxc://server_name/media_id: local uploads (kind 'upload'), images stored for URL
-- previews (kind 'preview'), and media cached from other servers (kind 'remote').
CREATE TABLE media (
  server_name TEXT NOT NULL,
  media_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upload', 'preview', 'remote')),
  -- The local uploader (or the creator of a pending async upload); NULL for remote and preview media.
  user_id TEXT,
  content_type TEXT,
  upload_name TEXT,
  -- NULL while an async upload (POST /_matrix/media/v1/create) is pending.
  sha256 TEXT REFERENCES media_content (sha256),
  size INTEGER,
  created_at INTEGER NOT NULL,
  -- When the content arrived (the upload finished, or the remote copy was cached): the legacy
  -- endpoints' freeze compares this.
  uploaded_at INTEGER,
  -- Pending async uploads only: the ID is unusable after this time.
  unused_expires_at INTEGER,
  last_access_at INTEGER,
  quarantined INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1)),
  PRIMARY KEY (server_name, media_id),
  CHECK ((sha256 IS NULL) = (uploaded_at IS NULL))
) STRICT;
CREATE INDEX media_sha256 ON media (sha256);
CREATE INDEX media_user ON media (user_id, created_at);
CREATE INDEX media_pending ON media (unused_expires_at) WHERE sha256 IS NULL;
CREATE INDEX media_kind_access ON media (kind, last_access_at);

-- Thumbnails made once per media, size and method.
CREATE TABLE media_thumbnails (
  server_name TEXT NOT NULL,
  media_id TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  method TEXT NOT NULL CHECK (method IN ('crop', 'scale')),
  content_type TEXT NOT NULL,
  sha256 TEXT NOT NULL REFERENCES media_content (sha256),
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (server_name, media_id, width, height, method),
  FOREIGN KEY (server_name, media_id) REFERENCES media (server_name, media_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX media_thumbnails_sha256 ON media_thumbnails (sha256);

-- URL previews: the OpenGraph answer for a URL as fetched at fetched_at.
CREATE TABLE url_previews (
  url TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  og_json TEXT NOT NULL,
  -- The preview's image, stored as media (kind 'preview') on this server.
  image_media_id TEXT,
  PRIMARY KEY (url, fetched_at)
) STRICT;
CREATE INDEX url_previews_fetched ON url_previews (fetched_at);
