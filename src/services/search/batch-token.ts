/**
 * The `next_batch` token of POST /search: where the previous page ended (in the order asked for), and
 * for a token handed out inside a group, the group it continues (client-server API, "Pagination":
 * "using a token inside a group will return more results from within that group"). Opaque to clients:
 * base64url of a small JSON object, parsed strictly (anything else is 400 M_INVALID_PARAM).
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import type { SearchCursor } from "../../storage/repos/search";

export type GroupKey = "room_id" | "sender";

export interface BatchToken {
  cursor: SearchCursor;
  group?: { key: GroupKey; value: string };
}

const zWire = z.strictObject({
  o: z.enum(["rank", "recent"]),
  r: z.number().optional(),
  s: z.number().int().optional(),
  g: z.tuple([z.enum(["room_id", "sender"]), z.string().min(1).max(255)]).optional(),
});

export function formatBatchToken(t: BatchToken): string {
  const wire: z.infer<typeof zWire> =
    t.cursor.order === "rank"
      ? { o: "rank", r: t.cursor.rank, s: t.cursor.stream }
      : { o: "recent", s: t.cursor.stream };
  if (t.group) wire.g = [t.group.key, t.group.value];
  return Buffer.from(JSON.stringify(wire)).toString("base64url");
}

export function parseBatchToken(text: string, order: "rank" | "recent"): BatchToken {
  const bad = () => MatrixError.invalidParam("Invalid next_batch token");
  if (text.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  const r = zWire.safeParse(json);
  if (!r.success) throw bad();
  const w = r.data;
  if (w.o !== order) {
    throw MatrixError.invalidParam("next_batch was given for another order_by: send the same request again");
  }
  let cursor: SearchCursor;
  if (w.o === "rank") {
    if (w.r === undefined || w.s === undefined || !Number.isFinite(w.r)) throw bad();
    cursor = { order: "rank", rank: w.r, stream: w.s };
  } else {
    if (w.s === undefined) throw bad();
    cursor = { order: "recent", stream: w.s };
  }
  return { cursor, ...(w.g ? { group: { key: w.g[0], value: w.g[1] } } : {}) };
}
