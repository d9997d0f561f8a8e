/** Small text helpers shared by the identifier parsers. */

/** Most identifiers are limited to 255 bytes of UTF-8 (appendices, "Identifier Grammar"). */
export const MAX_ID_BYTES = 255;

/** UTF-8 length of a string without allocating. A lone surrogate counts 3 bytes (callers reject those anyway). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** True when the string holds only Unicode scalar values (no lone surrogates). ES2024, native in Bun. */
export function isWellFormedText(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * The "historical" localpart rule shared by user IDs (received), room IDs and aliases:
 * any non-surrogate code point except `:` and NUL.
 */
export function isOpaqueLocalpart(s: string): boolean {
  return !s.includes(":") && !s.includes("\u0000") && isWellFormedText(s);
}
