/**
 * The seam for media on other servers (mxc://other.server/...). Federation implements
 * RemoteMediaFetcher (GET /_matrix/federation/v1/media/download/{mediaId} on the origin, following its
 * multipart answer or redirect); the media service caches what it returns as kind 'remote' media,
 * size-limited, and serves and thumbnails it like local media. Until federation exists the server is
 * built with `noRemoteMedia`, so remote media answers 404 M_NOT_FOUND.
 */

export interface RemoteMedia {
  /** The Content-Type the origin gave, if any. */
  contentType: string | null;
  /** The file name from the origin's Content-Disposition, if any. */
  filename: string | null;
  body: ReadableStream<Uint8Array>;
}

export interface RemoteMediaFetcher {
  /**
   * Fetches the content of mxc://serverName/mediaId from its origin. Resolves to null when the origin
   * says it does not exist (or cannot be reached); the caller answers M_NOT_FOUND. `timeoutMs` bounds
   * the wait for the response to start.
   */
  fetchContent(serverName: string, mediaId: string, opts: { timeoutMs: number }): Promise<RemoteMedia | null>;
}

/** Used until federation is implemented: no remote media can be fetched. */
export const noRemoteMedia: RemoteMediaFetcher = {
  async fetchContent() {
    return null;
  },
};
