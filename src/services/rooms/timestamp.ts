/**
 * GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event: the event nearest a timestamp in a
 * direction ("f": at or after it, "b": at or before it) among the events the user may see.
 * Federation does not exist yet, so only this server's copy of the room is searched.
 */
import { MatrixError } from "../../core/errors";
import type { ReadDeps } from "./messages";
import type { Viewer } from "./rooms-service";

/** Events looked at before answering 404 (invisible ones are skipped). */
const CANDIDATES = 500;

export function timestampToEvent(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  ts: number,
  dir: "b" | "f",
): { event_id: string; origin_server_ts: number } {
  const a = deps.timeline.access(roomId, viewer.userId);
  for (const stored of deps.history.nearTimestamp(a.room.roomNid, ts, dir, CANDIDATES)) {
    const ev = deps.store.fromStored(stored);
    if (deps.timeline.canSee(a, ev)) return { event_id: ev.event.eventId, origin_server_ts: ev.event.originServerTs };
  }
  throw MatrixError.notFound(`Unable to find event from ${ts} in ${dir === "f" ? "forward" : "backward"} direction`);
}
