/**
 * Room version identifiers (rooms/_index.md, "Room version grammar"): 1 to 32 code points of
 * [0-9a-z.-]. Whether we *support* a version is core/rooms/versions.ts's business.
 */
const ROOM_VERSION = /^[0-9a-z.-]{1,32}$/;

export function isRoomVersionIdentifier(s: string): boolean {
  return ROOM_VERSION.test(s);
}
