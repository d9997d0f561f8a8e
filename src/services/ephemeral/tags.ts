/**
 * Room tags (client-server API, "Room Tagging"): kept as the `m.tag` room account data of the
 * user, `{ tags: { <tag>: { order?: number, ... } } }`, so they reach every device through /sync.
 */
import { MatrixError } from "../../core/errors";
import { parseRoomId } from "../../core/ids";

export interface TagsDeps {
  /** The room account data content of a type, or null. */
  read(userId: string, roomId: string, type: string): Record<string, unknown> | null;
  write(userId: string, roomId: string, type: string, content: Record<string, unknown>): void;
}

export interface TagsService {
  getTags(requester: string, userId: string, roomId: string): { tags: Record<string, Record<string, unknown>> };
  setTag(requester: string, userId: string, roomId: string, tag: string, content: Record<string, unknown>): void;
  deleteTag(requester: string, userId: string, roomId: string, tag: string): void;
}

const MAX_TAG_BYTES = 255;

export function createTagsService(deps: TagsDeps): TagsService {
  const check = (requester: string, userId: string, roomId: string) => {
    if (requester !== userId) throw MatrixError.forbidden("Cannot access the tags of other users");
    if (!parseRoomId(roomId)) throw MatrixError.invalidParam("Invalid room ID");
  };
  const current = (userId: string, roomId: string): Record<string, Record<string, unknown>> => {
    const tags = deps.read(userId, roomId, "m.tag")?.tags;
    if (!tags || typeof tags !== "object" || Array.isArray(tags)) return {};
    const out: Record<string, Record<string, unknown>> = {};
    for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
      out[k] = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    }
    return out;
  };
  return {
    getTags(requester, userId, roomId) {
      check(requester, userId, roomId);
      return { tags: current(userId, roomId) };
    },
    setTag(requester, userId, roomId, tag, content) {
      check(requester, userId, roomId);
      if (tag.length === 0 || new TextEncoder().encode(tag).byteLength > MAX_TAG_BYTES) {
        throw MatrixError.invalidParam(`A tag name must be 1 to ${MAX_TAG_BYTES} bytes`);
      }
      const tags = current(userId, roomId);
      tags[tag] = content;
      deps.write(userId, roomId, "m.tag", { tags });
    },
    deleteTag(requester, userId, roomId, tag) {
      check(requester, userId, roomId);
      const tags = current(userId, roomId);
      if (!(tag in tags)) return;
      delete tags[tag];
      deps.write(userId, roomId, "m.tag", { tags });
    },
  };
}
