/**
 * Why statements are prepared with `+?` instead of `?`.
 *
 * The SQLite in Bun (3.54) lets the query planner read the bound value of a parameter in several
 * places (JOIN terms, ORDER BY/GROUP BY with an equality on the parameter, LIMIT/OFFSET). A
 * statement whose plan read a value is marked "expires on rebind", and bun:sqlite rebinds on every
 * call, so such a statement was compiled again on every execution: 5 µs for a small query, 40–600 µs
 * for the access-token lookup every request makes (a JOIN), and every LIMIT/ORDER BY page query
 * paid it too. A unary `+` leaves the value, its type and its (absent) affinity untouched, and the
 * planner still uses the index for `col = +?`, but it no longer sees a bare parameter: the compiled
 * statement is reused. Comparing the plans of every statement the test suites run showed no plan
 * change.
 *
 * Patterns of LIKE, GLOB, MATCH and REGEXP (and ESCAPE, and VACUUM INTO's file name) keep their bare
 * parameter: the planner may use a pattern's constant prefix with an index.
 */

const KEEP_BARE_AFTER = /\b(LIKE|GLOB|MATCH|REGEXP|ESCAPE|INTO)\s*$/i;
const NAME_CHAR = /[A-Za-z0-9_]/;
const NAME_START = /[A-Za-z_]/;

/** Closing position (exclusive) of a quoted or commented span starting at `i`, or -1 when none starts there. */
function skipSpan(sql: string, i: number): number {
  const c = sql[i];
  const close = (token: string, from: number, extra: number) => {
    const j = sql.indexOf(token, from);
    return j === -1 ? sql.length : j + extra;
  };
  // A doubled quote inside a literal ('it''s') ends one span and starts the next: same outcome.
  if (c === "'" || c === '"' || c === "`") return close(c, i + 1, 1);
  if (c === "[") return close("]", i + 1, 1);
  if (c === "-" && sql[i + 1] === "-") return close("\n", i + 2, 1);
  if (c === "/" && sql[i + 1] === "*") return close("*/", i + 2, 2);
  return -1;
}

/** `sql` with every bound parameter (`?`, `?NNN`, `:name`, `@name`, `$name`) written as `+param`. */
export function stabilizeParams(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const end = skipSpan(sql, i);
    if (end !== -1) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    const c = sql[i]!;
    const isParam =
      c === "?" ||
      ((c === ":" || c === "@" || c === "$") && NAME_START.test(sql[i + 1] ?? "") && !NAME_CHAR.test(sql[i - 1] ?? ""));
    if (!isParam) {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < sql.length && NAME_CHAR.test(sql[j]!)) j++;
    const param = sql.slice(i, j);
    const bare = KEEP_BARE_AFTER.test(out) || out.trimEnd().endsWith("+"); // already `+?` (or `x + ?`)
    out += bare ? param : `+${param}`;
    i = j;
  }
  return out;
}
