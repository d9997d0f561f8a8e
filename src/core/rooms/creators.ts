/**
 * Room creators (rooms v11 and v12; client-server m.room.create):
 * - v1-v10: `content.creator` of the m.room.create event;
 * - v11: the `sender` of the m.room.create event;
 * - v12: the sender plus every user ID in `content.additional_creators`; they have infinite power.
 */
import type { RoomVersionRules } from "./versions";

/** The fields of an m.room.create event that creator rules read. */
export interface CreateEventLike {
  readonly sender: string;
  readonly content: Readonly<Record<string, unknown>>;
}

export type CreatorRules = Pick<RoomVersionRules, "auth">;

const cache = new WeakMap<object, ReadonlySet<string>>();

/**
 * The room's creators. Lenient: a `creator` or `additional_creators` entry that is not a string is
 * ignored (the auth rules reject such create events where the room version says so).
 */
export function roomCreators(rules: CreatorRules, create: CreateEventLike | undefined): ReadonlySet<string> {
  if (!create) return new Set();
  if (rules.auth.creatorInContent) {
    const c = create.content.creator;
    return new Set(typeof c === "string" ? [c] : []);
  }
  if (!rules.auth.privilegedCreators) return new Set([create.sender]);
  const hit = cache.get(create);
  if (hit) return hit;
  const out = new Set<string>([create.sender]);
  const extra = create.content.additional_creators;
  if (Array.isArray(extra)) for (const u of extra) if (typeof u === "string") out.add(u);
  cache.set(create, out);
  return out;
}

export function isRoomCreator(rules: CreatorRules, create: CreateEventLike | undefined, userId: string): boolean {
  if (!create) return false;
  if (rules.auth.creatorInContent) return create.content.creator === userId;
  if (create.sender === userId) return true;
  return rules.auth.privilegedCreators && roomCreators(rules, create).has(userId);
}
