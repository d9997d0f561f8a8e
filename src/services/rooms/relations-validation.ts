/**
 * Checks on relations a client sends (client-server API "Threading", "Validation of m.thread
 * relationships"): a thread cannot start from an event that itself has a relation (rel_type), so it
 * is refused with 400 M_UNKNOWN, as the spec says (it has no specific error code for it).
 */
import { MatrixError } from "../../core/errors";
import type { EventStore } from "./event-store";

export function assertValidThreadTarget(store: EventStore, roomNid: number, content: Record<string, unknown>): void {
  const rel = content["m.relates_to"];
  if (!rel || typeof rel !== "object" || Array.isArray(rel)) return;
  const { rel_type: relType, event_id: target } = rel as Record<string, unknown>;
  if (relType !== "m.thread" || typeof target !== "string") return;
  const root = store.byId(target);
  if (root && root.stored.roomNid === roomNid && root.stored.relType !== null) {
    throw new MatrixError(400, "M_UNKNOWN", "Cannot start a thread from an event that has a relation (rel_type)");
  }
}
