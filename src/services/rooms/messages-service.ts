/**
 * The room history read paths (services.roomHistory): /messages, /context, /members,
 * /joined_members, /timestamp_to_event, /relations and /threads. Every event returned has passed the
 * history visibility rules for the requesting user and carries its bundled aggregations.
 */
import type { RoomHistoryRepo } from "../../storage/repos/room-history";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { Aggregations } from "./aggregations";
import type { ClientEvent, ClientEventContext } from "./client-event";
import { type ContextResponse, getEventContext } from "./context";
import type { EventStore } from "./event-store";
import { getJoinedMembers, getMembers, type MembersRequest } from "./members";
import { getMessages, type MessagesRequest, type MessagesResponse, type ReadDeps } from "./messages";
import { createTimeline } from "./messages-timeline";
import { getRelations, type RelationsRequest, type RelationsResponse } from "./relations";
import type { Viewer } from "./rooms-service";
import { getThreads, type ThreadsRequest } from "./threads";
import { timestampToEvent } from "./timestamp";
import type { Visibility } from "./visibility";

export interface RoomHistoryService {
  messages(viewer: Viewer, roomId: string, req: MessagesRequest): MessagesResponse;
  context(viewer: Viewer, roomId: string, eventId: string, req: { limit?: number; filter?: string }): ContextResponse;
  members(viewer: Viewer, roomId: string, req: MembersRequest): { chunk: ClientEvent[] };
  joinedMembers(
    viewer: Viewer,
    roomId: string,
  ): { joined: Record<string, { display_name?: string; avatar_url?: string }> };
  timestampToEvent(
    viewer: Viewer,
    roomId: string,
    ts: number,
    dir: "b" | "f",
  ): { event_id: string; origin_server_ts: number };
  relations(viewer: Viewer, roomId: string, eventId: string, req: RelationsRequest): RelationsResponse;
  threads(viewer: Viewer, roomId: string, req: ThreadsRequest): { chunk: ClientEvent[]; next_batch?: string };
}

export interface RoomHistoryDeps {
  rooms: RoomRepo;
  history: RoomHistoryRepo;
  store: EventStore;
  visibility: Visibility;
  /** The client-format context (with bundled aggregations) of the rooms service. */
  clientContext(room: RoomRow, viewer: Viewer): ClientEventContext;
  aggregations: Pick<Aggregations, "withPrimed">;
  /** The users someone ignores (m.ignored_user_list): their messages are not served to them. */
  ignoredUsersOf?(userId: string): ReadonlySet<string>;
}

export function createRoomHistoryService(deps: RoomHistoryDeps): RoomHistoryService {
  const timeline = createTimeline(deps);
  const read: ReadDeps & { rooms: RoomRepo } = {
    timeline,
    history: deps.history,
    store: deps.store,
    rooms: deps.rooms,
    clientContext: deps.clientContext,
    aggregations: deps.aggregations,
  };
  return {
    messages: (viewer, roomId, req) => getMessages(read, viewer, roomId, req),
    context: (viewer, roomId, eventId, req) => getEventContext(read, viewer, roomId, eventId, req),
    members: (viewer, roomId, req) => getMembers(read, viewer, roomId, req),
    joinedMembers: (viewer, roomId) => getJoinedMembers(read, viewer, roomId),
    timestampToEvent: (viewer, roomId, ts, dir) => timestampToEvent(read, viewer, roomId, ts, dir),
    relations: (viewer, roomId, eventId, req) => getRelations(read, viewer, roomId, eventId, req),
    threads: (viewer, roomId, req) => getThreads(read, viewer, roomId, req),
  };
}
