/** Push rules as the spec's JSON (client-server API, "Push Rules"). */
export type PushRuleKind = "override" | "content" | "room" | "sender" | "underride";
export const PUSH_RULE_KINDS: readonly PushRuleKind[] = ["override", "content", "room", "sender", "underride"];

export type PushAction = "notify" | { set_tweak: string; value?: unknown } | string | Record<string, unknown>;

export interface PushCondition {
  kind: string;
  key?: string;
  pattern?: string;
  value?: unknown;
  is?: string;
  [k: string]: unknown;
}

export interface PushRule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

export type PushRuleset = Record<PushRuleKind, PushRule[]>;

/** What evaluation needs to know about the event's room and the user it is evaluated for. */
export interface PushContext {
  userId: string;
  /** The user's display name in the room (for contains_display_name), or null. */
  displayName: string | null;
  /** Joined members of the room (room_member_count). */
  memberCount: number;
  /** The sender's power level, and the level required per notification key (sender_notification_permission). */
  senderPowerLevel: number;
  notificationPowerLevel(key: string): number;
}

export interface PushOutcome {
  /** The matching rule, or null when none matched. */
  ruleId: string | null;
  kind: PushRuleKind | null;
  notify: boolean;
  highlight: boolean;
  /** Every set_tweak of the matching rule (sound, highlight, and others passed through). */
  tweaks: Record<string, unknown>;
  actions: PushAction[];
}
