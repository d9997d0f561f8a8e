/**
 * Filter matching (client-server API, "Filtering"): pure functions over the filter JSON of
 * POST /user/{userId}/filter. An absent list allows everything; an empty list allows nothing; a
 * `not_` list wins over its allow list; `*` in a type matches any run of characters. `event_fields`
 * keeps only the listed dot-separated paths (appendices, "Dot-separated property paths").
 */

export interface EventFilterJson {
  limit?: number | undefined;
  types?: readonly string[] | undefined;
  not_types?: readonly string[] | undefined;
  senders?: readonly string[] | undefined;
  not_senders?: readonly string[] | undefined;
}

export interface RoomEventFilterJson extends EventFilterJson {
  rooms?: readonly string[] | undefined;
  not_rooms?: readonly string[] | undefined;
  contains_url?: boolean | undefined;
  lazy_load_members?: boolean | undefined;
  include_redundant_members?: boolean | undefined;
  unread_thread_notifications?: boolean | undefined;
}

export interface SyncFilterJson {
  event_fields?: readonly string[] | undefined;
  event_format?: "client" | "federation" | undefined;
  presence?: EventFilterJson | undefined;
  account_data?: EventFilterJson | undefined;
  room?:
    | {
        rooms?: readonly string[] | undefined;
        not_rooms?: readonly string[] | undefined;
        include_leave?: boolean | undefined;
        ephemeral?: RoomEventFilterJson | undefined;
        state?: RoomEventFilterJson | undefined;
        timeline?: RoomEventFilterJson | undefined;
        account_data?: RoomEventFilterJson | undefined;
      }
    | undefined;
}

/** What a filter looks at. `sender` is absent for account data and ephemeral events. */
export interface FilterableEvent {
  type: string;
  sender?: string | undefined;
  content?: Record<string, unknown> | undefined;
}

export interface EventFilter {
  matches(ev: FilterableEvent): boolean;
  matchesRoom(roomId: string): boolean;
  readonly limit: number | undefined;
  readonly lazyLoadMembers: boolean;
  readonly includeRedundantMembers: boolean;
  readonly unreadThreadNotifications: boolean;
}

export interface SyncFilter {
  /** Parsed `event_fields` paths, or null to keep every field. */
  readonly eventFields: readonly (readonly string[])[] | null;
  readonly eventFormat: "client" | "federation";
  readonly presence: EventFilter;
  readonly accountData: EventFilter;
  readonly room: {
    /** rooms / not_rooms of the room filter (applied before the per-section filters). */
    includesRoom(roomId: string): boolean;
    readonly includeLeave: boolean;
    readonly timeline: EventFilter;
    readonly state: EventFilter;
    readonly ephemeral: EventFilter;
    readonly accountData: EventFilter;
  };
}

/** True when `value` matches the glob `pattern` (`*` = any run of characters, everything else literal). */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern === value;
  return globRegex(pattern).test(value);
}

const globCache = new Map<string, RegExp>();
function globRegex(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`, "s");
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function allowed(
  value: string | undefined,
  allow: readonly string[] | undefined,
  deny: readonly string[] | undefined,
  glob: boolean,
): boolean {
  const hit = (list: readonly string[]) =>
    value !== undefined && list.some((p) => (glob ? globMatches(p, value) : p === value));
  if (deny && hit(deny)) return false;
  if (allow && !hit(allow)) return false;
  return true;
}

export function compileEventFilter(json: RoomEventFilterJson | undefined): EventFilter {
  const f = json ?? {};
  return {
    matches(ev) {
      if (!allowed(ev.type, f.types, f.not_types, true)) return false;
      if (!allowed(ev.sender, f.senders, f.not_senders, false)) return false;
      if (f.contains_url !== undefined) {
        const hasUrl = typeof ev.content?.url === "string";
        if (hasUrl !== f.contains_url) return false;
      }
      return true;
    },
    matchesRoom: (roomId) => allowed(roomId, f.rooms, f.not_rooms, false),
    limit: f.limit,
    lazyLoadMembers: f.lazy_load_members === true,
    includeRedundantMembers: f.include_redundant_members === true,
    unreadThreadNotifications: f.unread_thread_notifications === true,
  };
}

export function compileSyncFilter(json: SyncFilterJson | undefined): SyncFilter {
  const f = json ?? {};
  const room = f.room ?? {};
  return {
    eventFields: f.event_fields && f.event_fields.length > 0 ? f.event_fields.map(splitFieldPath) : null,
    eventFormat: f.event_format ?? "client",
    presence: compileEventFilter(f.presence),
    accountData: compileEventFilter(f.account_data),
    room: {
      includesRoom: (roomId) => allowed(roomId, room.rooms, room.not_rooms, false),
      includeLeave: room.include_leave === true,
      timeline: compileEventFilter(room.timeline),
      state: compileEventFilter(room.state),
      ephemeral: compileEventFilter(room.ephemeral),
      accountData: compileEventFilter(room.account_data),
    },
  };
}

/** Splits a dot-separated path: `\.` is a literal dot, `\\` a literal backslash, other escapes stay as they are. */
export function splitFieldPath(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === "\\" && (path[i + 1] === "." || path[i + 1] === "\\")) {
      cur += path[i + 1];
      i++;
    } else if (c === ".") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Keeps only the listed paths of an object (a path to an absent field adds nothing). */
export function onlyFields(
  obj: Record<string, unknown>,
  paths: readonly (readonly string[])[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    let src: unknown = obj;
    for (const key of path) {
      if (!src || typeof src !== "object" || Array.isArray(src) || !Object.hasOwn(src, key)) {
        src = undefined;
        break;
      }
      src = (src as Record<string, unknown>)[key];
    }
    if (src === undefined) continue;
    let dst = out;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = dst[key];
      if (!next || typeof next !== "object" || Array.isArray(next)) dst[key] = {};
      dst = dst[key] as Record<string, unknown>;
    }
    dst[path[path.length - 1]!] = src;
  }
  return out;
}
