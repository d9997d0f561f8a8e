/** State resolution v1, v2 and v2.1, and the pieces the algorithms are built from. */
export { authChainDifference, conflictedSubgraph } from "./auth-chain";
export { EventGraph } from "./event-graph";
export { iterativeAuthChecks } from "./iterative-auth-checks";
export { isPowerEvent, mainlineSort, reverseTopologicalPowerSort, senderPowerLevel } from "./ordering";
export { resolveState } from "./resolve";
export type { StateMap, StateResolutionContext } from "./types";
export { resolveStateV1 } from "./v1";
export { resolveStateV2, separateV2 } from "./v2";
