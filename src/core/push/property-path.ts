/**
 * Dot-separated property paths (appendices, "Dot-separated property paths"): `content.m\.relates_to`
 * is ["content", "m.relates_to"]. `\.` is a literal dot and `\\` a literal backslash; any other
 * backslash is literal.
 */
export function parsePropertyPath(path: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === "\\") {
      const next = path[i + 1];
      if (next === "." || next === "\\") {
        cur += next;
        i++;
        continue;
      }
      cur += c;
      continue;
    }
    if (c === ".") {
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

/** The value at a path in a JSON object, or undefined when any step is missing or not an object. */
export function valueAtPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    if (!Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
