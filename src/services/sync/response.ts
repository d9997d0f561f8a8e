/** The /sync response body (client-server API, GET /sync), wire names as the spec gives them. */

export type WireEvent = Record<string, unknown>;

export interface EventBatch {
  events: WireEvent[];
}

export interface UnreadCounts {
  highlight_count: number;
  notification_count: number;
}

export interface JoinedRoom {
  summary?: { "m.heroes"?: string[]; "m.joined_member_count"?: number; "m.invited_member_count"?: number };
  /** Omitted (for `state_after`) when the client asked for use_state_after. */
  state?: EventBatch;
  state_after?: EventBatch;
  timeline: EventBatch & { limited: boolean; prev_batch?: string };
  ephemeral: EventBatch;
  account_data: EventBatch;
  unread_notifications?: UnreadCounts;
  unread_thread_notifications?: Record<string, UnreadCounts>;
}

export interface LeftRoom {
  state?: EventBatch;
  state_after?: EventBatch;
  timeline: EventBatch & { limited: boolean; prev_batch?: string };
  account_data: EventBatch;
}

export interface SyncResponse {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoom>;
    invite: Record<string, { invite_state: EventBatch }>;
    leave: Record<string, LeftRoom>;
    knock: Record<string, { knock_state: EventBatch }>;
  };
  presence: EventBatch;
  account_data: EventBatch;
  to_device?: EventBatch;
  device_lists?: { changed: string[]; left: string[] };
  device_one_time_keys_count?: Record<string, number>;
  device_unused_fallback_key_types?: string[];
}

export function emptyResponse(): SyncResponse {
  return {
    next_batch: "",
    rooms: { join: {}, invite: {}, leave: {}, knock: {} },
    presence: { events: [] },
    account_data: { events: [] },
  };
}

export function emptyJoinedRoom(): JoinedRoom {
  return {
    state: { events: [] },
    timeline: { events: [], limited: false },
    ephemeral: { events: [] },
    account_data: { events: [] },
  };
}

/** True when nothing in the response is new (an incremental sync may then wait). */
export function isEmptyResponse(r: SyncResponse): boolean {
  const dl = r.device_lists;
  return (
    Object.keys(r.rooms.join).length === 0 &&
    Object.keys(r.rooms.invite).length === 0 &&
    Object.keys(r.rooms.leave).length === 0 &&
    Object.keys(r.rooms.knock).length === 0 &&
    r.presence.events.length === 0 &&
    r.account_data.events.length === 0 &&
    (r.to_device?.events.length ?? 0) === 0 &&
    (dl === undefined || (dl.changed.length === 0 && dl.left.length === 0))
  );
}
