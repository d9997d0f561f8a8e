/**
 * Reads for many users at once: one prepared statement with a fixed number of `?` in an IN list,
 * run once per chunk (the last chunk padded with a value no row has). Far cheaper than one
 * statement per user, and plain SQL (no json_each) so that it stays portable.
 */
export const CHUNK = 64;

/** `?, ?, ... ?` for an IN list of CHUNK values. */
export const IN_LIST = Array(CHUNK).fill("?").join(", ");

/** Runs `all` for each chunk of `ids` (deduplicated), padded to CHUNK with `pad`. */
export function chunked<R>(ids: readonly string[], all: (chunk: string[]) => R[], pad = ""): R[] {
  const unique = [...new Set(ids)];
  const out: R[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    while (chunk.length < CHUNK) chunk.push(pad);
    for (const r of all(chunk)) out.push(r);
  }
  return out;
}
