/**
 * Push rule evaluation: the first enabled matching rule, in kind order (override, content, room,
 * sender, underride; `.m.rule.master` first of all), decides the actions. Unknown conditions never
 * match. The historical `dont_notify` and `coalesce` actions are ignored.
 */
import { LEGACY_MENTION_RULES } from "./default-rules";
import { globMatches } from "./glob";
import { parsePropertyPath, valueAtPath } from "./property-path";
import {
  PUSH_RULE_KINDS,
  type PushAction,
  type PushCondition,
  type PushContext,
  type PushOutcome,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
} from "./types";

const pathCache = new Map<string, string[]>();
function path(key: string): string[] {
  let p = pathCache.get(key);
  if (!p) {
    p = parsePropertyPath(key);
    if (pathCache.size > 1000) pathCache.clear();
    pathCache.set(key, p);
  }
  return p;
}

function isScalar(v: unknown): v is string | number | boolean | null {
  return (
    v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isSafeInteger(v))
  );
}

function memberCountMatches(is: string | undefined, count: number): boolean {
  const m = /^(==|<=|>=|<|>)?([0-9]+)$/.exec(is ?? "");
  if (!m) return false;
  const n = Number(m[2]);
  switch (m[1] ?? "==") {
    case "==":
      return count === n;
    case "<":
      return count < n;
    case ">":
      return count > n;
    case "<=":
      return count <= n;
    case ">=":
      return count >= n;
  }
  return false;
}

/** Case-insensitive, word-bounded search of a display name in a body (contains_display_name). */
function containsWord(body: string, word: string): boolean {
  if (word === "") return false;
  const escaped = word.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`(?:^|[^A-Za-z0-9_])${escaped}(?:[^A-Za-z0-9_]|$)`, "iu").test(body);
}

export function conditionMatches(c: PushCondition, event: Record<string, unknown>, ctx: PushContext): boolean {
  switch (c.kind) {
    case "event_match": {
      if (typeof c.key !== "string" || typeof c.pattern !== "string") return false;
      const v = valueAtPath(event, path(c.key));
      if (typeof v !== "string") return false;
      return globMatches(c.pattern, v, c.key !== "content.body");
    }
    case "event_property_is": {
      if (typeof c.key !== "string" || !isScalar(c.value)) return false;
      const v = valueAtPath(event, path(c.key));
      return isScalar(v) && v === c.value;
    }
    case "event_property_contains": {
      if (typeof c.key !== "string" || !isScalar(c.value)) return false;
      const v = valueAtPath(event, path(c.key));
      return Array.isArray(v) && v.some((x) => isScalar(x) && x === c.value);
    }
    case "contains_display_name": {
      const body = valueAtPath(event, ["content", "body"]);
      return typeof body === "string" && ctx.displayName !== null && containsWord(body, ctx.displayName);
    }
    case "room_member_count":
      return memberCountMatches(c.is, ctx.memberCount);
    case "sender_notification_permission":
      return typeof c.key === "string" && ctx.senderPowerLevel >= ctx.notificationPowerLevel(c.key);
    default:
      return false;
  }
}

function ruleMatches(kind: PushRuleKind, rule: PushRule, event: Record<string, unknown>, ctx: PushContext): boolean {
  switch (kind) {
    case "override":
    case "underride":
      return (rule.conditions ?? []).every((c) => conditionMatches(c, event, ctx));
    case "content": {
      const body = valueAtPath(event, ["content", "body"]);
      return typeof body === "string" && typeof rule.pattern === "string" && globMatches(rule.pattern, body, false);
    }
    case "room":
      return event.room_id === rule.rule_id;
    case "sender":
      return event.sender === rule.rule_id;
  }
}

function outcome(kind: PushRuleKind | null, rule: PushRule | null): PushOutcome {
  const actions = (rule?.actions ?? []).filter((a: PushAction) => a !== "dont_notify" && a !== "coalesce");
  const tweaks: Record<string, unknown> = {};
  let notify = false;
  for (const a of actions) {
    if (a === "notify") notify = true;
    else if (typeof a === "object" && a !== null && typeof (a as { set_tweak?: unknown }).set_tweak === "string") {
      const t = a as { set_tweak: string; value?: unknown };
      tweaks[t.set_tweak] = t.set_tweak === "highlight" && !("value" in t) ? true : t.value;
    }
  }
  return {
    ruleId: rule?.rule_id ?? null,
    kind,
    notify,
    highlight: tweaks.highlight === true,
    tweaks,
    actions,
  };
}

/** Evaluates a ruleset (already merged: user rules before server-default ones within each kind). */
export function evaluatePushRules(ruleset: PushRuleset, event: Record<string, unknown>, ctx: PushContext): PushOutcome {
  const content = event.content;
  const hasMentions = typeof content === "object" && content !== null && Object.hasOwn(content, "m.mentions");
  const master = ruleset.override.find((r) => r.rule_id === ".m.rule.master");
  if (master?.enabled) return outcome("override", master);
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (!rule.enabled || rule.rule_id === ".m.rule.master") continue;
      if (hasMentions && LEGACY_MENTION_RULES.has(rule.rule_id)) continue;
      if (ruleMatches(kind, rule, event, ctx)) return outcome(kind, rule);
    }
  }
  return outcome(null, null);
}
