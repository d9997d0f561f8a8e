/**
 * The `filter` query parameter of /messages and /context: a JSON RoomEventFilter (client-server API
 * "Filtering"). Parsed strictly (bad JSON or a bad shape is 400 M_INVALID_PARAM); types, senders and
 * contains_url become SQL conditions, rooms/not_rooms decide whether the room is wanted at all.
 */
import { MatrixError } from "../../core/errors";
import type { HistoryFilter } from "../../storage/repos/room-history";
import { zRoomEventFilter } from "../filters/filter-schema";

export interface RoomEventFilter {
  /** The SQL-checkable part. */
  history: HistoryFilter;
  /** False when rooms/not_rooms or an empty types/senders list exclude everything. */
  matchesAnything(roomId: string): boolean;
  /** For state lists (context state): the same type/sender rules in memory. */
  matches(ev: { type: string; sender: string; containsUrl?: boolean }): boolean;
  lazyLoadMembers: boolean;
}

const MAX_FILTER_CHARS = 16_384;

function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes("*")) return (t) => t === pattern;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "s",
  );
  return (t) => re.test(t);
}

export const NO_FILTER: RoomEventFilter = {
  history: {},
  matchesAnything: () => true,
  matches: () => true,
  lazyLoadMembers: false,
};

/** Parses the `filter` parameter; undefined or empty gives NO_FILTER. */
export function parseRoomEventFilter(text: string | undefined): RoomEventFilter {
  if (text === undefined || text === "") return NO_FILTER;
  if (text.length > MAX_FILTER_CHARS) throw MatrixError.invalidParam("filter is too long");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw MatrixError.invalidParam("filter is not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw MatrixError.invalidParam("filter must be a JSON object (a RoomEventFilter)");
  }
  const r = zRoomEventFilter.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw MatrixError.invalidParam(`Invalid filter: ${i ? `${i.path.join(".") || "filter"}: ${i.message}` : "bad"}`);
  }
  const f = r.data;
  const types = f.types?.map(typeMatcher);
  const notTypes = f.not_types?.map(typeMatcher) ?? [];
  const senders = f.senders ? new Set<string>(f.senders) : null;
  const notSenders = new Set<string>(f.not_senders ?? []);
  const history: HistoryFilter = {
    ...(f.types ? { types: f.types } : {}),
    ...(f.not_types?.length ? { notTypes: f.not_types } : {}),
    ...(f.senders ? { senders: f.senders } : {}),
    ...(f.not_senders?.length ? { notSenders: f.not_senders } : {}),
    ...(f.contains_url !== undefined ? { containsUrl: f.contains_url } : {}),
  };
  return {
    history,
    lazyLoadMembers: f.lazy_load_members === true,
    matchesAnything(roomId) {
      if (f.rooms && !f.rooms.includes(roomId as never)) return false;
      if (f.not_rooms?.includes(roomId as never)) return false;
      return !(f.types?.length === 0 || f.senders?.length === 0);
    },
    matches(ev) {
      if (types && !types.some((m) => m(ev.type))) return false;
      if (notTypes.some((m) => m(ev.type))) return false;
      if (senders && !senders.has(ev.sender)) return false;
      if (notSenders.has(ev.sender)) return false;
      if (f.contains_url !== undefined && ev.containsUrl !== undefined && ev.containsUrl !== f.contains_url)
        return false;
      return true;
    },
  };
}
