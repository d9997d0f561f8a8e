/**
 * Glob-style matching (appendices): `*` is zero or more characters, `?` exactly one. Push rules match
 * case-insensitively; `content.body` patterns match any substring bounded by word boundaries.
 */
const wholeCache = new Map<string, RegExp>();
const boundedCache = new Map<string, RegExp>();
const MAX_CACHE = 4000;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function globSource(glob: string): string {
  let out = "";
  for (const ch of glob) {
    if (ch === "*") out += "[\\s\\S]*?";
    else if (ch === "?") out += "[\\s\\S]";
    else out += escapeRegex(ch);
  }
  return out;
}

/** Compiles a glob: `whole` must match the entire value; otherwise a word-bounded substring. */
export function compileGlob(glob: string, whole: boolean): RegExp {
  const cache = whole ? wholeCache : boundedCache;
  let re = cache.get(glob);
  if (!re) {
    const src = globSource(glob);
    // Word boundary: start/end of value or any character outside [A-Za-z0-9_].
    re = whole ? new RegExp(`^${src}$`, "iu") : new RegExp(`(?:^|[^A-Za-z0-9_])${src}(?:[^A-Za-z0-9_]|$)`, "iu");
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(glob, re);
  }
  return re;
}

export function globMatches(glob: string, value: string, whole = true): boolean {
  return compileGlob(glob, whole).test(value);
}
