/**
 * A user's effective ruleset: the server-default rules with the user's changes to them (enabled,
 * actions), and the user's own rules, which rank above the defaults of their kind (except that
 * `.m.rule.master` comes before everything).
 */
import { defaultPushRules } from "./default-rules";
import { PUSH_RULE_KINDS, type PushAction, type PushRule, type PushRuleKind, type PushRuleset } from "./types";

export interface UserPushRule {
  kind: PushRuleKind;
  rule: PushRule;
}

export interface DefaultRuleChange {
  enabled?: boolean;
  actions?: PushAction[];
}

export function effectiveRuleset(
  userId: string,
  userRules: readonly UserPushRule[],
  defaultChanges: ReadonlyMap<string, DefaultRuleChange>,
): PushRuleset {
  const defaults = defaultPushRules(userId);
  const out = {} as PushRuleset;
  for (const kind of PUSH_RULE_KINDS) {
    const changed = defaults[kind].map((r) => {
      const c = defaultChanges.get(`${kind}/${r.rule_id}`);
      return c
        ? {
            ...r,
            ...(c.enabled !== undefined ? { enabled: c.enabled } : {}),
            ...(c.actions ? { actions: c.actions } : {}),
          }
        : r;
    });
    const mine = userRules.filter((u) => u.kind === kind).map((u) => u.rule);
    if (kind === "override") {
      const master = changed.filter((r) => r.rule_id === ".m.rule.master");
      out[kind] = [...master, ...mine, ...changed.filter((r) => r.rule_id !== ".m.rule.master")];
    } else {
      out[kind] = [...mine, ...changed];
    }
  }
  return out;
}
