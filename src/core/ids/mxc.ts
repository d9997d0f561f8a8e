/**
 * Content URIs (client-server API, "Matrix Content (mxc://) URIs"): `mxc://<server-name>/<media-id>`,
 * where the media ID is 1* of [A-Za-z0-9_-].
 */
import type { Brand } from "./brand";
import { isServerName, type ServerName } from "./server-name";

export type MxcUri = Brand<string, "MxcUri">;
export type MediaId = Brand<string, "MediaId">;

const MEDIA_ID = /^[A-Za-z0-9_-]+$/;
const PREFIX = "mxc://";

export interface MxcParts {
  readonly serverName: ServerName;
  readonly mediaId: MediaId;
}

export function isMediaId(s: string): s is MediaId {
  return s.length <= 255 && MEDIA_ID.test(s);
}

export function parseMxcUri(s: string): MxcParts | null {
  if (!s.startsWith(PREFIX)) return null;
  const rest = s.slice(PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const server = rest.slice(0, slash);
  const media = rest.slice(slash + 1);
  if (!isServerName(server) || !isMediaId(media)) return null;
  return { serverName: server, mediaId: media };
}

export function isMxcUri(s: string): s is MxcUri {
  return parseMxcUri(s) !== null;
}

export function makeMxcUri(serverName: ServerName, mediaId: MediaId): MxcUri {
  return `${PREFIX}${serverName}/${mediaId}` as MxcUri;
}
