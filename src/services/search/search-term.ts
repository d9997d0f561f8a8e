/**
 * Turns a user's `search_term` into an FTS5 query expression, never passing their text to FTS5's
 * query syntax: every word becomes a quoted string (FTS5 runs its tokenizer on it).
 *   - words are AND-ed, and each matches as a prefix ("mart" finds "martians");
 *   - "a quoted phrase" matches those words next to each other, in that order;
 *   - a word or phrase starting with "-" excludes events containing it (when something else is asked for).
 * Matching ignores case and diacritics (the index's unicode61 tokenizer with remove_diacritics 2).
 */

export interface ParsedSearchTerm {
  /** The FTS5 expression, or null when the term holds nothing to search for. */
  expression: string | null;
  /** Normalised words of the positive terms (for highlights). */
  words: string[];
}

/** Most words and phrases taken from one search term; the rest is ignored. */
export const MAX_SEARCH_TERMS = 32;

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/** Lower case without diacritics: how the index compares words. */
export function normaliseWord(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Words of a piece of text, as the tokenizer splits them (close enough for highlighting). */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

export function parseSearchTerm(term: string): ParsedSearchTerm {
  const positive: string[] = [];
  const negative: string[] = [];
  const words: string[] = [];
  // Phrases in double quotes, or runs of non-space characters; a leading "-" negates either.
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  for (let m = re.exec(term); m !== null && positive.length + negative.length < MAX_SEARCH_TERMS; m = re.exec(term)) {
    let negate = m[1] === "-";
    let text: string;
    let phrase = false;
    if (m[2] !== undefined) {
      text = m[2];
      phrase = true;
    } else {
      text = m[3]!;
      if (text.startsWith("-") && text.length > 1) {
        negate = true;
        text = text.slice(1);
      }
    }
    const parts = wordsOf(text);
    if (parts.length === 0) continue;
    const joined = parts.join(" ");
    // A phrase matches exactly; a bare word (or words glued by punctuation) matches as a prefix.
    const expr = phrase ? quote(joined) : `${quote(joined)}*`;
    if (negate) negative.push(expr);
    else {
      positive.push(expr);
      for (const w of parts) words.push(normaliseWord(w));
    }
  }
  if (positive.length === 0) return { expression: null, words: [] };
  let expression = positive.join(" AND ");
  if (negative.length > 0) expression = `(${expression}) NOT (${negative.join(" OR ")})`;
  return { expression, words: [...new Set(words)] };
}

/**
 * The words of `text` that the search matched (those starting with one of the searched words), as
 * they appear in the text: clients highlight them.
 */
export function matchedWords(text: string, searched: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of wordsOf(text)) {
    const n = normaliseWord(w);
    if (searched.some((s) => n.startsWith(s))) out.push(w);
  }
  return out;
}
