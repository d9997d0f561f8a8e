/**
 * Personal settings follow a user into an upgraded room (client-server "Room Upgrades": "When a user
 * joins the new room, the server should automatically transfer/replicate some of the user's
 * personalized settings such as notifications, tags, etc."). When a local user who is joined to the
 * old room joins its replacement (the room whose m.room.create names it as `predecessor`), the
 * server copies, without overwriting what the user already set for the new room:
 *  - the room's tags (`m.tag` room account data): favourites and low priority stay so;
 *  - `m.direct`: the new room is listed next to the old one, so a direct chat stays a direct chat;
 *  - the push rules that name the old room: its `room` rule and the override/underride rules that
 *    match its `room_id` (Element's "Mute"), copied for the new room with the same actions and
 *    enabled state.
 * The upgrader joins the new room during the upgrade, so their settings move at once; other members
 * when they follow the tombstone.
 */
import type { PushRule, PushRuleKind } from "../../core/push";
import type { PushRulesService } from "../push/push-rules-service";
import type { PersistedEvent } from "../rooms/write/room-writer";

export interface UserSettingsTransferDeps {
  /** Local users only: remote users' settings live on their own servers. */
  isLocalUser(userId: string): boolean;
  /** The content of a state event in the room's current state, or null. */
  currentState(roomId: string, type: string, stateKey: string): Record<string, unknown> | null;
  /** The user's current membership in a room, or null. */
  membershipOf(roomId: string, userId: string): string | null;
  /** The target's membership in the state before a persisted member event, or null. */
  membershipBefore(e: PersistedEvent): string | null;
  /** Account data content (room null: global), or null when none is stored. */
  readAccountData(userId: string, roomId: string | null, type: string): Record<string, unknown> | null;
  writeAccountData(userId: string, roomId: string | null, type: string, content: Record<string, unknown>): void;
  pushRules: Pick<PushRulesService, "rulesJson" | "putRule" | "setEnabled">;
}

export interface UserSettingsTransfer {
  /** Room-writer listener: acts on a local user's first join to a room that replaced another. */
  onPersisted(e: PersistedEvent): void;
  /** Copies the user's settings for `oldRoomId` to `newRoomId`. */
  transfer(userId: string, oldRoomId: string, newRoomId: string): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function createUserSettingsTransfer(deps: UserSettingsTransferDeps): UserSettingsTransfer {
  const copyTags = (userId: string, oldRoomId: string, newRoomId: string) => {
    const old = deps.readAccountData(userId, oldRoomId, "m.tag")?.tags;
    if (!isObject(old) || Object.keys(old).length === 0) return;
    const existing = deps.readAccountData(userId, newRoomId, "m.tag")?.tags;
    const tags = { ...old, ...(isObject(existing) ? existing : {}) };
    deps.writeAccountData(userId, newRoomId, "m.tag", { tags });
  };

  const copyDirect = (userId: string, oldRoomId: string, newRoomId: string) => {
    const direct = deps.readAccountData(userId, null, "m.direct");
    if (!direct) return;
    let changed = false;
    const next: Record<string, unknown> = {};
    for (const [other, rooms] of Object.entries(direct)) {
      if (Array.isArray(rooms) && rooms.includes(oldRoomId) && !rooms.includes(newRoomId)) {
        next[other] = [...rooms, newRoomId];
        changed = true;
      } else {
        next[other] = rooms;
      }
    }
    if (changed) deps.writeAccountData(userId, null, "m.direct", next);
  };

  const namesRoom = (rule: PushRule, roomId: string) =>
    (rule.conditions ?? []).some((c) => c.kind === "event_match" && c.key === "room_id" && c.pattern === roomId);

  const copyPushRules = (userId: string, oldRoomId: string, newRoomId: string) => {
    const global = deps.pushRules.rulesJson(userId).global;
    const put = (kind: PushRuleKind, rule: PushRule, ruleId: string, conditions?: PushRule["conditions"]) => {
      if ((global[kind] ?? []).some((r) => r.rule_id === ruleId)) return; // the user's own choice stays
      deps.pushRules.putRule(
        userId,
        kind,
        ruleId,
        { actions: rule.actions, ...(conditions ? { conditions } : {}) },
        {},
      );
      if (!rule.enabled) deps.pushRules.setEnabled(userId, kind, ruleId, false);
    };
    for (const rule of global.room ?? []) {
      if (!rule.default && rule.rule_id === oldRoomId) put("room", rule, newRoomId);
    }
    for (const kind of ["override", "underride"] as const) {
      for (const rule of global[kind] ?? []) {
        if (rule.default || !namesRoom(rule, oldRoomId)) continue;
        const conditions = (rule.conditions ?? []).map((c) =>
          c.kind === "event_match" && c.key === "room_id" && c.pattern === oldRoomId ? { ...c, pattern: newRoomId } : c,
        );
        put(kind, rule, rule.rule_id.split(oldRoomId).join(newRoomId), conditions);
      }
    }
  };

  const transfer = (userId: string, oldRoomId: string, newRoomId: string) => {
    copyTags(userId, oldRoomId, newRoomId);
    copyDirect(userId, oldRoomId, newRoomId);
    copyPushRules(userId, oldRoomId, newRoomId);
  };

  return {
    transfer,
    onPersisted(e) {
      const ev = e.event;
      if (ev.type !== "m.room.member" || ev.stateKey === undefined || ev.content.membership !== "join") return;
      const userId = ev.stateKey;
      if (!deps.isLocalUser(userId)) return;
      if (deps.membershipBefore(e) === "join") return; // a profile change, not a join
      const predecessor = deps.currentState(e.room.roomId, "m.room.create", "")?.predecessor;
      const oldRoomId = isObject(predecessor) ? predecessor.room_id : undefined;
      if (typeof oldRoomId !== "string" || oldRoomId === e.room.roomId) return;
      if (deps.membershipOf(oldRoomId, userId) !== "join") return;
      transfer(userId, oldRoomId, e.room.roomId);
    },
  };
}
