/**
 * Push rules per user (client-server API "Push Rules: API"): the user's own rules and their changes to
 * the server-default rules are kept in the `m.push_rules` global account data, as the full effective
 * ruleset clients read from /sync. Reading it back, rules whose ID does not start with "." are the
 * user's, and server-default rules whose `enabled` or `actions` differ from the default are the user's
 * changes; the server-default rules themselves always come from the code, so new defaults reach
 * existing users. Effective rulesets are cached per user for evaluation and dropped on every change.
 */

import { MatrixError } from "../../core/errors";
import { parseRoomId, parseUserId } from "../../core/ids";
import {
  type DefaultRuleChange,
  defaultPushRules,
  effectiveRuleset,
  PUSH_RULE_KINDS,
  type PushAction,
  type PushCondition,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
  type UserPushRule,
} from "../../core/push";
import type { AccountDataService } from "../account-data/account-data-service";
import type { AccountEvents } from "../accounts/account-events";

export const PUSH_RULES_TYPE = "m.push_rules";

/** The wire form of a ruleset: `{ global: { override: [...], content: [...], ... } }`. */
export type PushRulesContent = { global: PushRuleset };

export interface PutRuleBody {
  actions: PushAction[];
  conditions?: PushCondition[];
  pattern?: string;
}

export interface PushRulesService {
  /** The effective ruleset used for evaluation (cached). */
  ruleset(userId: string): PushRuleset;
  /** True when `ruleset` (from `ruleset()`) is the server-default one of its user, without any change. */
  isServerDefault(ruleset: PushRuleset): boolean;
  /** The user's effective rules in the wire form (GET /pushrules/). */
  rulesJson(userId: string): PushRulesContent;
  /** The `m.push_rules` account data content: the stored one, or the server defaults when none is stored. */
  pushRulesAccountData(userId: string): PushRulesContent;
  /** True when the user has `m.push_rules` stored in account data (then /sync sends it by itself). */
  hasStored(userId: string): boolean;
  getRule(userId: string, kind: PushRuleKind, ruleId: string): PushRule;
  putRule(
    userId: string,
    kind: PushRuleKind,
    ruleId: string,
    body: PutRuleBody,
    position: { before?: string; after?: string },
  ): void;
  deleteRule(userId: string, kind: PushRuleKind, ruleId: string): void;
  setEnabled(userId: string, kind: PushRuleKind, ruleId: string, enabled: boolean): void;
  setActions(userId: string, kind: PushRuleKind, ruleId: string, actions: PushAction[]): void;
}

interface UserState {
  rules: UserPushRule[];
  changes: Map<string, DefaultRuleChange>;
}

const HISTORICAL_ACTIONS = new Set(["dont_notify", "coalesce"]);

/** Strips the historical actions and rejects what is not an action (400 M_INVALID_PARAM). */
export function normaliseActions(actions: readonly unknown[]): PushAction[] {
  const out: PushAction[] = [];
  for (const a of actions) {
    if (typeof a === "string") {
      if (HISTORICAL_ACTIONS.has(a)) continue;
      if (a !== "notify") throw MatrixError.invalidParam(`Unrecognised action: ${a}`);
      out.push(a);
    } else if (typeof a === "object" && a !== null && !Array.isArray(a)) {
      const o = a as Record<string, unknown>;
      if (typeof o.set_tweak !== "string" || o.set_tweak === "") {
        throw MatrixError.invalidParam("An action object needs a set_tweak name");
      }
      out.push(o as PushAction);
    } else {
      throw MatrixError.invalidParam("Actions are strings or objects");
    }
  }
  return out;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The wire form of one rule: only the keys its kind has. */
export function wireRule(kind: PushRuleKind, r: PushRule): PushRule {
  const base: PushRule = { rule_id: r.rule_id, default: r.default, enabled: r.enabled, actions: r.actions };
  if (kind === "override" || kind === "underride") return { ...base, conditions: r.conditions ?? [] };
  if (kind === "content") return { ...base, pattern: r.pattern ?? "" };
  return base;
}

function wireRuleset(rs: PushRuleset): PushRuleset {
  const out = {} as PushRuleset;
  for (const kind of PUSH_RULE_KINDS) out[kind] = rs[kind].map((r) => wireRule(kind, r));
  return out;
}

/** Reads a stored `m.push_rules` content leniently: malformed rules are skipped, never fatal. */
function parseStored(userId: string, content: unknown): UserState {
  const state: UserState = { rules: [], changes: new Map() };
  const global = (content as { global?: unknown } | null)?.global;
  if (typeof global !== "object" || global === null) return state;
  const defaults = defaultPushRules(userId);
  for (const kind of PUSH_RULE_KINDS) {
    const list = (global as Record<string, unknown>)[kind];
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      if (typeof raw !== "object" || raw === null) continue;
      const r = raw as Record<string, unknown>;
      if (typeof r.rule_id !== "string" || !Array.isArray(r.actions)) continue;
      const enabled = r.enabled !== false;
      if (r.rule_id.startsWith(".")) {
        const def = defaults[kind].find((d) => d.rule_id === r.rule_id);
        if (!def) continue;
        const change: DefaultRuleChange = {};
        if (enabled !== def.enabled) change.enabled = enabled;
        if (!sameJson(r.actions, def.actions)) change.actions = r.actions as PushAction[];
        if (change.enabled !== undefined || change.actions) state.changes.set(`${kind}/${r.rule_id}`, change);
        continue;
      }
      const rule: PushRule = { rule_id: r.rule_id, default: false, enabled, actions: r.actions as PushAction[] };
      if ((kind === "override" || kind === "underride") && Array.isArray(r.conditions)) {
        rule.conditions = r.conditions.filter((c): c is PushCondition => typeof c === "object" && c !== null);
      }
      if (kind === "content") {
        if (typeof r.pattern !== "string") continue;
        rule.pattern = r.pattern;
      }
      if (state.rules.some((u) => u.kind === kind && u.rule.rule_id === rule.rule_id)) continue;
      state.rules.push({ kind, rule });
    }
  }
  return state;
}

const notFound = () => MatrixError.notFound("The push rule was not found.");

function checkRuleId(kind: PushRuleKind, ruleId: string): void {
  if (ruleId === "") throw MatrixError.invalidParam("The rule ID must not be empty");
  if (ruleId.startsWith("."))
    throw MatrixError.invalidParam("Rule IDs starting with '.' are reserved for server-default rules");
  if (ruleId.includes("/") || ruleId.includes("\\")) throw MatrixError.invalidParam("Rule IDs cannot contain / or \\");
  if (kind === "room" && parseRoomId(ruleId) === null)
    throw MatrixError.invalidParam("A room rule's ID must be a room ID");
  if (kind === "sender" && parseUserId(ruleId) === null) {
    throw MatrixError.invalidParam("A sender rule's ID must be a user ID");
  }
}

export interface PushRulesDeps {
  accountData: AccountDataService;
  events: AccountEvents;
  /** Most users whose effective ruleset stays cached. */
  cacheSize?: number;
}

export function createPushRulesService(deps: PushRulesDeps): PushRulesService {
  const cacheSize = deps.cacheSize ?? 10_000;
  const cache = new Map<string, PushRuleset>();

  const stored = (userId: string): unknown => {
    try {
      return deps.accountData.getAccountData(userId, userId, null, PUSH_RULES_TYPE);
    } catch (e) {
      if (e instanceof MatrixError && e.status === 404) return null;
      throw e;
    }
  };
  const load = (userId: string): UserState => parseStored(userId, stored(userId));
  // Rulesets that are the server defaults unchanged (no rule of the user's, no default rule changed).
  const unchanged = new WeakSet<PushRuleset>();
  const compute = (userId: string, s: UserState) => {
    const rs = effectiveRuleset(userId, s.rules, s.changes);
    if (s.rules.length === 0 && s.changes.size === 0) unchanged.add(rs);
    return rs;
  };

  const ruleset = (userId: string): PushRuleset => {
    const hit = cache.get(userId);
    if (hit) {
      // Most recently used last.
      cache.delete(userId);
      cache.set(userId, hit);
      return hit;
    }
    const rs = compute(userId, load(userId));
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(userId, rs);
    return rs;
  };

  deps.events.on("accountDataChanged", (e) => {
    if (e.roomId === null && e.type === PUSH_RULES_TYPE) cache.delete(e.userId);
  });

  const save = (userId: string, s: UserState) => {
    cache.delete(userId);
    deps.accountData.putServerAccountData(userId, null, PUSH_RULES_TYPE, {
      global: wireRuleset(compute(userId, s)),
    });
  };

  const findDefault = (userId: string, kind: PushRuleKind, ruleId: string) =>
    defaultPushRules(userId)[kind].find((r) => r.rule_id === ruleId) ?? null;

  /** Changes `enabled` or `actions` of a user rule or a server-default one. */
  const change = (userId: string, kind: PushRuleKind, ruleId: string, c: DefaultRuleChange) => {
    const s = load(userId);
    const mine = s.rules.find((u) => u.kind === kind && u.rule.rule_id === ruleId);
    if (mine) {
      if (c.enabled !== undefined) mine.rule.enabled = c.enabled;
      if (c.actions) mine.rule.actions = c.actions;
    } else {
      const def = findDefault(userId, kind, ruleId);
      if (!def) throw notFound();
      const key = `${kind}/${ruleId}`;
      const next = { ...s.changes.get(key), ...c };
      if (next.enabled === def.enabled) delete next.enabled;
      if (next.actions && sameJson(next.actions, def.actions)) delete next.actions;
      if (next.enabled === undefined && !next.actions) s.changes.delete(key);
      else s.changes.set(key, next);
    }
    save(userId, s);
  };

  return {
    ruleset,
    isServerDefault: (rs) => unchanged.has(rs),
    rulesJson: (userId) => ({ global: wireRuleset(ruleset(userId)) }),
    pushRulesAccountData(userId) {
      const content = stored(userId);
      if (content !== null) return content as PushRulesContent;
      return { global: wireRuleset(defaultPushRules(userId)) };
    },
    hasStored: (userId) => stored(userId) !== null,
    getRule(userId, kind, ruleId) {
      const rule = ruleset(userId)[kind].find((r) => r.rule_id === ruleId);
      if (!rule) throw notFound();
      return wireRule(kind, rule);
    },
    putRule(userId, kind, ruleId, body, position) {
      checkRuleId(kind, ruleId);
      const actions = normaliseActions(body.actions);
      const rule: PushRule = { rule_id: ruleId, default: false, enabled: true, actions };
      if (kind === "override" || kind === "underride") {
        const conditions = body.conditions ?? [];
        for (const c of conditions) {
          if (typeof c !== "object" || c === null || typeof c.kind !== "string") {
            throw MatrixError.invalidParam("Each condition needs a kind");
          }
        }
        rule.conditions = conditions;
      } else if (kind === "content") {
        if (typeof body.pattern !== "string" || body.pattern === "") {
          throw MatrixError.invalidParam("A content rule needs a pattern");
        }
        rule.pattern = body.pattern;
      }
      const s = load(userId);
      const ofKind = s.rules.filter((u) => u.kind === kind);
      const existing = ofKind.findIndex((u) => u.rule.rule_id === ruleId);
      if (existing >= 0) rule.enabled = ofKind[existing]!.rule.enabled;
      const rest = ofKind.filter((u) => u.rule.rule_id !== ruleId);
      const anchor = position.before ?? position.after;
      let at: number;
      if (anchor !== undefined) {
        if (anchor.startsWith(".")) {
          throw MatrixError.invalidParam("Rules cannot be placed relative to server-default rules");
        }
        const i = rest.findIndex((u) => u.rule.rule_id === anchor);
        if (i < 0) throw new MatrixError(400, "M_UNKNOWN", `before/after rule not found: ${anchor}`);
        at = position.before !== undefined ? i : i + 1;
      } else {
        // New rules are the most important of their kind; updated ones keep their place.
        at = Math.max(existing, 0);
      }
      rest.splice(at, 0, { kind, rule });
      s.rules = [...s.rules.filter((u) => u.kind !== kind), ...rest];
      save(userId, s);
    },
    deleteRule(userId, kind, ruleId) {
      if (ruleId.startsWith(".")) {
        if (findDefault(userId, kind, ruleId)) {
          throw MatrixError.invalidParam("Server-default rules cannot be deleted (disable them instead)");
        }
        throw notFound();
      }
      const s = load(userId);
      const before = s.rules.length;
      s.rules = s.rules.filter((u) => !(u.kind === kind && u.rule.rule_id === ruleId));
      if (s.rules.length === before) throw notFound();
      save(userId, s);
    },
    setEnabled: (userId, kind, ruleId, enabled) => change(userId, kind, ruleId, { enabled }),
    setActions: (userId, kind, ruleId, actions) => change(userId, kind, ruleId, { actions: normaliseActions(actions) }),
  };
}
