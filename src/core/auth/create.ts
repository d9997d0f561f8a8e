/**
 * Auth rule 1: m.room.create events. They depend on nothing but themselves.
 * v1-v10: `content.creator` required; room ID domain = sender domain.
 * v11: no `creator`. v12: no `room_id` at all; `additional_creators` must be valid user IDs.
 */
import { parseUserId } from "../ids/user-id";
import { isRoomVersionId, type RoomVersionRules } from "../rooms/versions";
import { ruleNumbers } from "./rule-numbers";
import { ALLOWED, type AuthEvent, type AuthResult, edgeIds, reject, serverPart } from "./types";

export function checkCreateEvent(rules: Pick<RoomVersionRules, "auth">, event: AuthEvent): AuthResult {
  const n = ruleNumbers(rules.auth).create;
  if (edgeIds(event.prev_events).length > 0) {
    return reject(n.prevEvents, "create.prev_events", "m.room.create has prev_events");
  }
  if (rules.auth.roomIdIsCreateEventId) {
    if (event.room_id !== undefined) return reject(n.roomId, "create.room_id", "m.room.create has a room_id");
  } else {
    const roomDomain = typeof event.room_id === "string" ? serverPart(event.room_id) : null;
    if (roomDomain === null || roomDomain !== serverPart(event.sender)) {
      return reject(n.roomId, "create.room_id_domain", "room ID domain does not match the sender's domain");
    }
  }
  const content = event.content;
  if ("room_version" in content) {
    const v = content.room_version;
    if (typeof v !== "string" || !isRoomVersionId(v)) {
      return reject(n.roomVersion, "create.room_version", "content.room_version is not a recognised room version");
    }
  }
  if (rules.auth.creatorInContent && !("creator" in content)) {
    return reject(n.creatorOrAdditional!, "create.creator", "content has no creator");
  }
  if (rules.auth.privilegedCreators && "additional_creators" in content) {
    const extra = content.additional_creators;
    if (!Array.isArray(extra) || !extra.every((u) => typeof u === "string" && parseUserId(u) !== null)) {
      return reject(
        n.creatorOrAdditional!,
        "create.additional_creators",
        "additional_creators is not an array of valid user IDs",
      );
    }
  }
  return ALLOWED;
}
