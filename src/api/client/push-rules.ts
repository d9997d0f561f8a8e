/**
 * Push rules (client-server API "Push Rules: API"; pushrules.yaml):
 * `GET /pushrules/`, `GET /pushrules/global/`, and per rule
 * `GET|PUT|DELETE /pushrules/global/{kind}/{ruleId}`, `GET|PUT .../enabled`, `GET|PUT .../actions`.
 */
import { z } from "zod";
import { PUSH_RULE_KINDS, type PushAction, type PushCondition, type PushRuleKind } from "../../core/push";
import type { Services } from "../../services";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const BASE = "/_matrix/client/v3/pushrules";
const zKind = z.enum(PUSH_RULE_KINDS as [PushRuleKind, ...PushRuleKind[]]);
const zRuleParams = z.object({ kind: zKind, ruleId: z.string().min(1).max(1024) });
const zAction = z.union([z.string(), z.record(z.string(), z.unknown())]);
const zActions = z.array(zAction).max(100);

export const getPushRules = defineEndpoint({
  operationId: "getPushRules",
  method: "GET",
  path: `${BASE}/`,
  auth: "accessToken",
});
export const getPushRulesGlobal = defineEndpoint({
  operationId: "getPushRulesGlobal",
  method: "GET",
  path: `${BASE}/global/`,
  auth: "accessToken",
});
export const getPushRule = defineEndpoint({
  operationId: "getPushRule",
  method: "GET",
  path: `${BASE}/global/:kind/:ruleId`,
  auth: "accessToken",
  params: zRuleParams,
});
export const deletePushRule = defineEndpoint({
  operationId: "deletePushRule",
  method: "DELETE",
  path: `${BASE}/global/:kind/:ruleId`,
  auth: "accessToken",
  params: zRuleParams,
});
export const setPushRule = defineEndpoint({
  operationId: "setPushRule",
  method: "PUT",
  path: `${BASE}/global/:kind/:ruleId`,
  auth: "accessToken",
  params: zRuleParams,
  query: z.object({ before: z.string().min(1).optional(), after: z.string().min(1).optional() }),
  body: z.looseObject({
    actions: zActions,
    conditions: z
      .array(z.looseObject({ kind: z.string() }))
      .max(100)
      .optional(),
    pattern: z.string().max(1024).optional(),
  }),
});
export const isPushRuleEnabled = defineEndpoint({
  operationId: "isPushRuleEnabled",
  method: "GET",
  path: `${BASE}/global/:kind/:ruleId/enabled`,
  auth: "accessToken",
  params: zRuleParams,
});
export const setPushRuleEnabled = defineEndpoint({
  operationId: "setPushRuleEnabled",
  method: "PUT",
  path: `${BASE}/global/:kind/:ruleId/enabled`,
  auth: "accessToken",
  params: zRuleParams,
  body: z.object({ enabled: z.boolean() }),
});
export const getPushRuleActions = defineEndpoint({
  operationId: "getPushRuleActions",
  method: "GET",
  path: `${BASE}/global/:kind/:ruleId/actions`,
  auth: "accessToken",
  params: zRuleParams,
});
export const setPushRuleActions = defineEndpoint({
  operationId: "setPushRuleActions",
  method: "PUT",
  path: `${BASE}/global/:kind/:ruleId/actions`,
  auth: "accessToken",
  params: zRuleParams,
  body: z.object({ actions: zActions }),
});

export function registerPushRuleRoutes(app: ApiApp): void {
  const global = (services: Services, userId: string) => services.push.rules.rulesJson(userId).global;
  // Clients also ask without the trailing slash.
  for (const e of [getPushRules, { ...getPushRules, path: BASE }]) {
    route(app, e, ({ user, services }) => ({ global: global(services, user.userId) }));
  }
  for (const e of [getPushRulesGlobal, { ...getPushRulesGlobal, path: `${BASE}/global` }]) {
    route(app, e, ({ user, services }) => global(services, user.userId));
  }
  route(app, getPushRule, ({ user, params, services }) =>
    services.push.rules.getRule(user.userId, params.kind, params.ruleId),
  );
  route(app, deletePushRule, ({ user, params, services }) => {
    services.push.rules.deleteRule(user.userId, params.kind, params.ruleId);
    return {};
  });
  route(app, setPushRule, ({ user, params, query, body, services }) => {
    services.push.rules.putRule(
      user.userId,
      params.kind,
      params.ruleId,
      {
        actions: body.actions as PushAction[],
        ...(body.conditions ? { conditions: body.conditions as PushCondition[] } : {}),
        ...(body.pattern !== undefined ? { pattern: body.pattern } : {}),
      },
      { ...(query.before ? { before: query.before } : {}), ...(query.after ? { after: query.after } : {}) },
    );
    return {};
  });
  route(app, isPushRuleEnabled, ({ user, params, services }) => ({
    enabled: services.push.rules.getRule(user.userId, params.kind, params.ruleId).enabled,
  }));
  route(app, setPushRuleEnabled, ({ user, params, body, services }) => {
    services.push.rules.setEnabled(user.userId, params.kind, params.ruleId, body.enabled);
    return {};
  });
  route(app, getPushRuleActions, ({ user, params, services }) => ({
    actions: services.push.rules.getRule(user.userId, params.kind, params.ruleId).actions,
  }));
  route(app, setPushRuleActions, ({ user, params, body, services }) => {
    services.push.rules.setActions(user.userId, params.kind, params.ruleId, body.actions);
    return {};
  });
}
