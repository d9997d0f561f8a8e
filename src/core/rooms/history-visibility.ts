/**
 * Lenient reader for `m.room.history_visibility` content (client-server API, "Room History
 * Visibility"): without the event, or with a value that is not understood, visibility is `shared`.
 */

export type HistoryVisibility = "invited" | "joined" | "shared" | "world_readable";

const KNOWN: ReadonlySet<string> = new Set(["invited", "joined", "shared", "world_readable"]);

export function readHistoryVisibility(content: unknown): HistoryVisibility {
  if (typeof content !== "object" || content === null) return "shared";
  const v = (content as Record<string, unknown>).history_visibility;
  return typeof v === "string" && KNOWN.has(v) ? (v as HistoryVisibility) : "shared";
}
