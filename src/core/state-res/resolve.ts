/**
 * State resolution for every room version: the state before an event whose prev_events lead to
 * different states. v1 for room version 1, v2 for versions 2 to 11, v2.1 for version 12.
 * Synchronous; events are fetched through `ctx.fetchEvent`.
 */
import type { RoomVersionRules } from "../rooms/versions";
import type { StateMap, StateResolutionContext } from "./types";
import { resolveStateV1 } from "./v1";
import { resolveStateV2 } from "./v2";

export function resolveState(
  rules: Pick<RoomVersionRules, "auth" | "strictCanonicalJson" | "stateRes">,
  stateSets: readonly StateMap[],
  ctx: StateResolutionContext,
): Map<string, string> {
  switch (rules.stateRes) {
    case "v1":
      return resolveStateV1(rules, stateSets, ctx);
    case "v2":
      return resolveStateV2(rules, stateSets, ctx, false);
    case "v2.1":
      return resolveStateV2(rules, stateSets, ctx, true);
  }
}
