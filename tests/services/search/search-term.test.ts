/**
 * The search term becomes an FTS5 expression of quoted strings only (a user's text is never FTS5
 * syntax), and next_batch tokens are parsed strictly.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { MatrixError } from "../../../src/core/errors";
import { formatBatchToken, parseBatchToken } from "../../../src/services/search/batch-token";
import { MAX_SEARCH_TERMS, matchedWords, parseSearchTerm } from "../../../src/services/search/search-term";

describe("parseSearchTerm", () => {
  test("words are AND-ed prefixes, phrases exact, minus excludes", () => {
    expect(parseSearchTerm("Martians men").expression).toBe('"Martians"* AND "men"*');
    expect(parseSearchTerm('"of mars" -moon').expression).toBe('("of mars") NOT ("moon"*)');
    expect(parseSearchTerm('-"red planet" x').expression).toBe('("x"*) NOT ("red planet")');
    expect(parseSearchTerm("hello,world").expression).toBe('"hello world"*');
    expect(parseSearchTerm("Café").words).toEqual(["cafe"]);
  });

  test("nothing to search for gives no expression", () => {
    for (const t of ["", "   ", "-", "!!! ???", '""', "-only"]) expect(parseSearchTerm(t).expression).toBeNull();
  });

  test("FTS5 syntax in the term stays text, and every expression is valid FTS5", () => {
    const db = new Database(":memory:");
    db.exec("CREATE VIRTUAL TABLE t USING fts5(body, content = '', tokenize = 'unicode61 remove_diacritics 2')");
    db.query("INSERT INTO t (rowid, body) VALUES (1, 'NEAR OR AND NOT body')").run();
    const q = db.query<{ rowid: number }, [string]>("SELECT rowid FROM t WHERE t MATCH ?");
    for (const term of [
      'NEAR("a" "b")',
      "body:x",
      "a OR b",
      '"unterminated',
      "x*",
      "(a",
      "^a",
      "a + b",
      'a"b',
      "NOT",
    ]) {
      const { expression } = parseSearchTerm(term);
      if (expression !== null) expect(() => q.all(expression)).not.toThrow();
    }
    expect(q.all(parseSearchTerm("OR").expression!)).toEqual([{ rowid: 1 }]);
  });

  test("at most MAX_SEARCH_TERMS terms are taken", () => {
    const many = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
    expect(parseSearchTerm(many).expression!.split(" AND ").length).toBe(MAX_SEARCH_TERMS);
  });

  test("highlights are the words of the text that start with a searched word", () => {
    expect(matchedWords("The Martians' café, MARS!", ["mar", "cafe"])).toEqual(["Martians", "café", "MARS"]);
  });
});

describe("next_batch tokens", () => {
  test("round-trip, and are tied to the order they were given for", () => {
    const t = {
      cursor: { order: "rank" as const, rank: 1.25, stream: 42 },
      group: { key: "room_id" as const, value: "!r:x" },
    };
    expect(parseBatchToken(formatBatchToken(t), "rank")).toEqual(t);
    expect(() => parseBatchToken(formatBatchToken(t), "recent")).toThrow(MatrixError);
  });

  test("anything else is 400 M_INVALID_PARAM", () => {
    const bad = [
      "",
      "not base64 !",
      Buffer.from("{").toString("base64url"),
      Buffer.from(JSON.stringify({ o: "rank" })).toString("base64url"),
      Buffer.from(JSON.stringify({ o: "recent", s: 1.5 })).toString("base64url"),
      Buffer.from(JSON.stringify({ o: "recent", s: 1, extra: true })).toString("base64url"),
      "A".repeat(2000),
    ];
    for (const b of bad) {
      try {
        parseBatchToken(b, "recent");
        throw new Error(`accepted ${b}`);
      } catch (e) {
        expect(e).toBeInstanceOf(MatrixError);
        expect((e as MatrixError).errcode).toBe("M_INVALID_PARAM");
      }
    }
  });
});
