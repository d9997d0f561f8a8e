/**
 * Evaluating the server-default push rules for many users at once. Most users never change their
 * push rules, and their rulesets differ only in a few rules that name the user (invite for me, user
 * mention, user name in the body) or read their display name. For one event, every other rule
 * matches or not the same way for all of them. So the full ruleset is evaluated once, for a user
 * whom none of those rules can match (a "nobody" whose ID is a lone surrogate, which no event text
 * can hold, and who has no display name), and for each user only their own rules are checked, with
 * the same condition functions the evaluator uses: when none of them matches, that user's outcome is
 * nobody's. When one does, the caller evaluates that user's ruleset in full.
 *
 * Which rules depend on the user is derived from the default rules themselves (the rules whose JSON
 * differs between two users, and those that read the display name), so a change of the defaults
 * cannot leave this out of step.
 */
import {
  conditionMatches,
  defaultPushRules,
  evaluatePushRules,
  globMatches,
  PUSH_RULE_KINDS,
  type PushContext,
  type PushOutcome,
  type PushRule,
  type PushRuleKind,
  type PushRuleset,
  valueAtPath,
} from "../../core/push";

const NOBODY = "\ud800";

const readsDisplayName = (rule: PushRule) => (rule.conditions ?? []).some((c) => c.kind === "contains_display_name");

/** The IDs of the default rules, per kind, whose content depends on the user or that read the display name. */
function userDependentRules(): Record<PushRuleKind, Set<string>> {
  const a = defaultPushRules("@a:x.test");
  const b = defaultPushRules("@b:y.test");
  const out = {} as Record<PushRuleKind, Set<string>>;
  for (const kind of PUSH_RULE_KINDS) {
    out[kind] = new Set();
    a[kind].forEach((rule, i) => {
      const other = b[kind][i];
      if (readsDisplayName(rule) || !other || JSON.stringify(rule) !== JSON.stringify(other)) {
        out[kind].add(rule.rule_id);
      }
    });
  }
  return out;
}

const USER_DEPENDENT = userDependentRules();
const NOBODY_RULES = defaultPushRules(NOBODY);

/** Does a body possibly hold `name` case-insensitively? A cheap test for ASCII text, `true` otherwise. */
function asciiMayContain(lowerAsciiBody: string | null, name: string): boolean {
  // Only for ASCII on both sides is ASCII lower-casing the same as the evaluator's Unicode
  // case-insensitive match (e.g. the Kelvin sign matches "k"); otherwise let the evaluator decide.
  if (lowerAsciiBody === null || !isAscii(name)) return true;
  return lowerAsciiBody.includes(name.toLowerCase());
}

const NON_ASCII = /[^\u0000-\u007f]/;
const isAscii = (s: string) => !NON_ASCII.test(s);

function ruleMatchesFor(kind: PushRuleKind, rule: PushRule, event: Record<string, unknown>, ctx: PushContext): boolean {
  if (kind === "override" || kind === "underride") {
    return (rule.conditions ?? []).every((c) => conditionMatches(c, event, ctx));
  }
  if (kind === "content") {
    const body = valueAtPath(event, ["content", "body"]);
    return typeof body === "string" && typeof rule.pattern === "string" && globMatches(rule.pattern, body, false);
  }
  if (kind === "room") return event.room_id === rule.rule_id;
  return event.sender === rule.rule_id;
}

export interface DefaultRulesShortcut {
  /**
   * The outcome for a user whose ruleset is exactly the server default, or null when one of the
   * rules that name the user matches (then evaluate their ruleset in full).
   */
  outcome(ruleset: PushRuleset, ctx: PushContext): PushOutcome | null;
}

/** The shortcut for one event; `shared` is the part of the context that is the same for every user. */
export function defaultRulesShortcut(
  event: Record<string, unknown>,
  shared: Omit<PushContext, "userId" | "displayName">,
): DefaultRulesShortcut {
  let nobody: PushOutcome | undefined;
  const body = valueAtPath(event, ["content", "body"]);
  const lowerAsciiBody = typeof body === "string" && isAscii(body) ? body.toLowerCase() : null;
  const nobodyOutcome = () =>
    (nobody ??= evaluatePushRules(NOBODY_RULES, event, {
      userId: NOBODY,
      displayName: null,
      memberCount: shared.memberCount,
      get senderPowerLevel() {
        return shared.senderPowerLevel;
      },
      notificationPowerLevel: shared.notificationPowerLevel,
    }));
  // Rules after the one that decides nobody's outcome cannot change anybody's: evaluation stops at
  // the first match. (A member event stops at .m.rule.member_event, before the display-name rule.)
  let stopKind = PUSH_RULE_KINDS.length;
  let stopIndex = Number.POSITIVE_INFINITY;
  const decided = nobodyOutcome();
  if (decided.kind !== null && decided.ruleId !== null) {
    stopKind = PUSH_RULE_KINDS.indexOf(decided.kind);
    stopIndex = NOBODY_RULES[decided.kind].findIndex((r) => r.rule_id === decided.ruleId);
  }
  return {
    outcome(ruleset, ctx) {
      for (let k = 0; k <= stopKind && k < PUSH_RULE_KINDS.length; k++) {
        const kind = PUSH_RULE_KINDS[k]!;
        const dependent = USER_DEPENDENT[kind];
        if (dependent.size === 0) continue;
        const rules = ruleset[kind];
        const end = k === stopKind ? Math.min(stopIndex, rules.length) : rules.length;
        for (let i = 0; i < end; i++) {
          const rule = rules[i]!;
          if (!rule.enabled || !dependent.has(rule.rule_id)) continue;
          if (readsDisplayName(rule)) {
            // The legacy display-name rule: only worth its regular expression when the body may hold the name.
            const name = ctx.displayName;
            if (name === null || typeof body !== "string" || !asciiMayContain(lowerAsciiBody, name)) continue;
          }
          if (kind === "content" && typeof rule.pattern === "string" && !/[*?]/.test(rule.pattern)) {
            // The legacy user-name rule: a pattern without wildcards must occur in the body as it is.
            if (typeof body !== "string" || !asciiMayContain(lowerAsciiBody, rule.pattern)) continue;
          }
          if (ruleMatchesFor(kind, rule, event, ctx)) return null;
        }
      }
      return nobodyOutcome();
    },
  };
}
