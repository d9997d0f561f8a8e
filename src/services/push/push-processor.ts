/**
 * Evaluates push rules for every new room event, for every local user it concerns (client-server
 * API "Push Notifications", server behaviour): the room's joined local members except the sender,
 * and the invitee of an invite. Each `notify` outcome becomes a push_notifications row (counts,
 * /notifications, pushers). Runs synchronously right after the event's commit, before /sync
 * requests woken by the same event resume, so the new counts appear together with the event.
 * Events from users someone ignores (m.ignored_user_list) never notify them.
 */

import type { RoomEvent } from "../../core/events";
import { evaluatePushRules, type PushContext } from "../../core/push";
import { notificationPowerLevel, type RoomPower, userPowerLevel } from "../../core/rooms";
import type { StoredEvent } from "../../storage/repos/events";
import type { PushNotificationRepo } from "../../storage/repos/push-notifications";
import type { RoomRow } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import { defaultRulesShortcut } from "./default-rules-shortcut";
import type { PushRulesService } from "./push-rules-service";

/** What the processor reads about rooms (the rooms services, behind a narrow port). */
export interface PushRoomPort {
  /** User IDs of the room's joined members (all servers). */
  joinedMembers(room: RoomRow): string[];
  /** The content of a user's current m.room.member event in the room. */
  memberContent(room: RoomRow, userId: string): Record<string, unknown> | null;
  power(room: RoomRow): RoomPower;
  /** The event a relation points at (to find the thread of reactions and edits). */
  storedEvent(eventId: string): StoredEvent | null;
}

export interface IgnoredUsers {
  /** True when `userId` ignores `other` (m.ignored_user_list). */
  ignores(userId: string, other: string): boolean;
}

export interface PushProcessorDeps {
  serverName: string;
  clock: Clock;
  notifications: PushNotificationRepo;
  rules: PushRulesService;
  rooms: PushRoomPort;
  ignored: IgnoredUsers;
  /** Called with the users who got a notification (to wake their pushers). */
  onNotified(userIds: readonly string[]): void;
}

export interface PushedEvent {
  room: RoomRow;
  event: RoomEvent;
  stored: StoredEvent;
}

export interface PushProcessor {
  /** Evaluates one committed event; returns the users it notified. */
  process(e: PushedEvent): string[];
}

/** Follows relations (at most 3 hops, as the spec recommends) to the thread an event belongs to. */
export function threadOf(stored: StoredEvent, lookup: (eventId: string) => StoredEvent | null): string | null {
  let cur: StoredEvent | null = stored;
  for (let hop = 0; cur && hop <= 3; hop++) {
    if (cur.threadId) return cur.threadId;
    if (!cur.relatesToId) return null;
    cur = lookup(cur.relatesToId);
  }
  return null;
}

export function createPushProcessor(deps: PushProcessorDeps): PushProcessor {
  const suffix = `:${deps.serverName}`;
  const isLocal = (u: string) => u.endsWith(suffix);

  return {
    process({ room, event, stored }) {
      if (stored.outlier || stored.rejectedReason !== null || stored.softFailed) return [];
      const targets = new Set<string>();
      const joined = deps.rooms.joinedMembers(room);
      for (const u of joined) if (u !== event.sender && isLocal(u)) targets.add(u);
      if (
        event.type === "m.room.member" &&
        event.stateKey !== undefined &&
        event.content.membership === "invite" &&
        event.stateKey !== event.sender &&
        isLocal(event.stateKey)
      ) {
        targets.add(event.stateKey);
      }
      if (targets.size === 0) return [];

      const json: Record<string, unknown> = { ...event.pdu, event_id: event.eventId, room_id: room.roomId };
      let power: RoomPower | null = null;
      const powerOf = () => {
        power ??= deps.rooms.power(room);
        return power;
      };
      let senderLevel: number | null = null;
      const shared = {
        memberCount: joined.length,
        get senderPowerLevel() {
          senderLevel ??= userPowerLevel(powerOf(), event.sender);
          return senderLevel;
        },
        notificationPowerLevel: (key: string) => notificationPowerLevel(powerOf(), key),
      };
      const shortcut = defaultRulesShortcut(json, shared);
      const thread = threadOf(stored, deps.rooms.storedEvent);
      const streamOrdering = stored.streamOrdering ?? 0;
      const now = deps.clock.now();
      const notified: { userId: string; highlight: boolean; actions: unknown[] }[] = [];
      for (const userId of targets) {
        if (deps.ignored.ignores(userId, event.sender)) continue;
        let name: string | null | undefined;
        const ctx: PushContext = {
          userId,
          get displayName() {
            if (name === undefined) {
              const d = deps.rooms.memberContent(room, userId)?.displayname;
              name = typeof d === "string" && d !== "" ? d : null;
            }
            return name;
          },
          memberCount: shared.memberCount,
          get senderPowerLevel() {
            return shared.senderPowerLevel;
          },
          notificationPowerLevel: shared.notificationPowerLevel,
        };
        const ruleset = deps.rules.ruleset(userId);
        const out =
          (deps.rules.isServerDefault?.(ruleset) ? shortcut.outcome(ruleset, ctx) : null) ??
          evaluatePushRules(ruleset, json, ctx);
        if (out.notify) notified.push({ userId, highlight: out.highlight, actions: out.actions });
      }
      if (notified.length === 0) return [];
      deps.notifications.insertMany(
        notified.map((n) => ({
          userId: n.userId,
          eventNid: stored.eventNid,
          roomId: room.roomId,
          streamOrdering,
          threadId: thread,
          highlight: n.highlight,
          actions: n.actions,
          ts: now,
        })),
      );
      const users = notified.map((n) => n.userId);
      deps.onNotified(users);
      return users;
    },
  };
}
