/**
 * zod adapters for the identifier parsers: one grammar per ID, used by endpoint schemas.
 * Each schema accepts a string, runs the parser, and outputs the branded type.
 */
import { z } from "zod";
import { type DeviceId, parseDeviceId } from "./device-id";
import { type EventId, parseEventId } from "./event-id";
import { type KeyId, parseKeyId } from "./key-id";
import { type MxcUri, parseMxcUri } from "./mxc";
import { parseRoomAlias, type RoomAlias } from "./room-alias";
import { parseRoomId, type RoomId } from "./room-id";
import { parseServerName, type ServerName } from "./server-name";
import { parseUserId, parseUserIdStrict, type UserId } from "./user-id";

function branded<T extends string>(what: string, parse: (s: string) => T | null) {
  return z.string().transform((s, ctx): T => {
    const v = parse(s);
    if (v === null) {
      ctx.addIssue({ code: "custom", message: `Invalid ${what}: ${JSON.stringify(s.slice(0, 300))}` });
      return z.NEVER;
    }
    return v;
  });
}

/** A user ID in the historical grammar (any ID a client or server may reference). */
export const zUserId = branded<UserId>("user ID", parseUserId);
/** A fully conforming user ID (for IDs we are about to create). */
export const zUserIdStrict = branded<UserId>("user ID", parseUserIdStrict);
export const zRoomId = branded<RoomId>("room ID", parseRoomId);
export const zEventId = branded<EventId>("event ID", parseEventId);
export const zRoomAlias = branded<RoomAlias>("room alias", parseRoomAlias);
export const zServerName = branded<ServerName>("server name", parseServerName);
export const zDeviceId = branded<DeviceId>("device ID", parseDeviceId);
export const zKeyId = branded<KeyId>("key ID", parseKeyId);
export const zMxcUri = branded<MxcUri>("mxc URI", (s) => (parseMxcUri(s) === null ? null : (s as MxcUri)));
