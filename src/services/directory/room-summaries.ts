/**
 * Room summaries: what the room directory, the space hierarchy, room summaries (MSC3266) and the
 * admin room list show about a room, computed from its current state. A stored summary is recomputed
 * whenever the room's current state has moved on since it was computed, so a reader never sees a
 * stale one.
 */
import { readHistoryVisibility, readJoinRules } from "../../core/rooms";
import type { RoomSummary, RoomSummaryRepo } from "../../storage/repos/room-summaries";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { EventStore } from "../rooms/event-store";

export type { RoomSummary };

export interface RoomSummaries {
  /** Brings every room's summary up to date (cheap when nothing changed). */
  refreshAll(): void;
  /** The room's current summary, or null when the room has no state. */
  of(room: RoomRow): RoomSummary | null;
}

export interface RoomSummariesDeps {
  rooms: RoomRepo;
  store: EventStore;
  summaries: RoomSummaryRepo;
  serverName: string;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The plain-text topic: a text/plain entry of `m.topic`, else the `topic` string. */
function plainTopic(content: Record<string, unknown> | undefined): string | null {
  if (!content) return null;
  const blocks = content["m.topic"];
  if (Array.isArray(blocks)) {
    for (const b of blocks) {
      if (!b || typeof b !== "object") continue;
      const block = b as Record<string, unknown>;
      const mime = block.mimetype ?? "text/plain";
      if (mime === "text/plain" && typeof block.body === "string") return block.body;
    }
  }
  return typeof content.topic === "string" ? content.topic : null;
}

export function createRoomSummaries(deps: RoomSummariesDeps): RoomSummaries {
  const { rooms, store, summaries } = deps;

  const compute = (room: RoomRow, snapshotNid: number): RoomSummary => {
    const rules = store.rulesOf(room);
    const view = store.stateView(snapshotNid);
    const content = (type: string) => view.get(type, "")?.content;
    const create = view.get("m.room.create", "");
    const jr = readJoinRules(rules, content("m.room.join_rules"));
    const createContent = create?.content ?? {};
    const creator = rules.auth.creatorInContent ? str(createContent.creator) : (create?.sender ?? null);
    return {
      roomNid: room.roomNid,
      snapshotNid,
      name: str(content("m.room.name")?.name),
      topic: plainTopic(content("m.room.topic")),
      canonicalAlias: str(content("m.room.canonical_alias")?.alias),
      avatarUrl: str(content("m.room.avatar")?.url),
      joinRule: jr.joinRule,
      allowedRoomIds: jr.allow.map((a) => a.roomId),
      historyVisibility: readHistoryVisibility(content("m.room.history_visibility")),
      guestAccess: str(content("m.room.guest_access")?.guest_access),
      roomType: str(createContent.type),
      encryption: str(content("m.room.encryption")?.algorithm),
      creator,
      federatable: createContent["m.federate"] !== false,
      joinedMembers: rooms.countMembers(room.roomNid, "join"),
      joinedLocalMembers: summaries.countLocalJoined(room.roomNid, deps.serverName),
      invitedMembers: rooms.countMembers(room.roomNid, "invite"),
      stateEvents: view.map.size,
    };
  };

  return {
    refreshAll() {
      for (const { roomNid, snapshotNid } of summaries.stale()) {
        const room = rooms.byNid(roomNid);
        if (room) summaries.upsert(compute(room, snapshotNid));
      }
    },
    of(room) {
      const stale = summaries.staleOne(room.roomNid);
      if (stale !== null) {
        const s = compute(room, stale);
        summaries.upsert(s);
        return s;
      }
      return room.currentSnapshotNid === null ? null : summaries.get(room.roomNid);
    },
  };
}

/** A chunk of /publicRooms (client-server "PublishedRoomsChunk"). */
export function publishedRoomChunk(roomId: string, s: RoomSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {
    room_id: roomId,
    num_joined_members: s.joinedMembers,
    world_readable: s.historyVisibility === "world_readable",
    guest_can_join: s.guestAccess === "can_join",
    join_rule: s.joinRule,
  };
  if (s.name !== null) out.name = s.name;
  if (s.topic !== null) out.topic = s.topic;
  if (s.canonicalAlias !== null) out.canonical_alias = s.canonicalAlias;
  if (s.avatarUrl !== null) out.avatar_url = s.avatarUrl;
  if (s.roomType !== null) out.room_type = s.roomType;
  return out;
}

/** The spec's RoomSummary (room summaries and the space hierarchy): the chunk plus version, encryption, allowed rooms. */
export function roomSummaryJson(room: RoomRow, s: RoomSummary): Record<string, unknown> {
  const out = publishedRoomChunk(room.roomId, s);
  out.room_version = room.roomVersion;
  if (s.encryption !== null) out.encryption = s.encryption;
  if (s.allowedRoomIds.length > 0) out.allowed_room_ids = s.allowedRoomIds;
  return out;
}
