import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { openDb } from "../../src/storage/db";
import { stabilizeParams } from "../../src/storage/stable-params";

describe("stabilizeParams", () => {
  test("writes every bound parameter as +param", () => {
    expect(stabilizeParams("SELECT a FROM t WHERE b = ? AND c IN (?, ?) ORDER BY a LIMIT ? OFFSET ?")).toBe(
      "SELECT a FROM t WHERE b = +? AND c IN (+?, +?) ORDER BY a LIMIT +? OFFSET +?",
    );
    expect(stabilizeParams("INSERT INTO t (a, b) VALUES (?2, ?1) RETURNING a")).toBe(
      "INSERT INTO t (a, b) VALUES (+?2, +?1) RETURNING a",
    );
    expect(stabilizeParams("SELECT $x, :y, @z")).toBe("SELECT +$x, +:y, +@z");
  });

  test("leaves string literals, quoted names, comments and identifiers alone", () => {
    const sql = `SELECT "a?", [b?], \`c?\`, 'it''s ?', x$y FROM t -- why ?\nWHERE d = ? /* : ? */`;
    expect(stabilizeParams(sql)).toBe(
      `SELECT "a?", [b?], \`c?\`, 'it''s ?', x$y FROM t -- why ?\nWHERE d = +? /* : ? */`,
    );
  });

  test("keeps patterns and file names bare, and does not add a second plus", () => {
    expect(stabilizeParams("SELECT a FROM t WHERE b LIKE ? ESCAPE ? OR c GLOB ?")).toBe(
      "SELECT a FROM t WHERE b LIKE ? ESCAPE ? OR c GLOB ?",
    );
    expect(stabilizeParams("VACUUM INTO ?")).toBe("VACUUM INTO ?");
    expect(stabilizeParams("SELECT +? , a + ?")).toBe("SELECT +? , a + ?");
    expect(stabilizeParams(stabilizeParams("SELECT ?"))).toBe("SELECT +?");
  });

  test("statements prepared through the database give the same results as with bare parameters", () => {
    const db = openDb(":memory:");
    db.sqlite.exec(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER, b BLOB) STRICT; CREATE INDEX t_name ON t (name)",
    );
    const insert = db.sqlite.query("INSERT INTO t (id, name, n, b) VALUES (?, ?, ?, ?) RETURNING id");
    for (let i = 1; i <= 20; i++) insert.get(i, `name ${i % 4}`, i % 3 === 0 ? null : i, new Uint8Array([i]));
    const cases: [string, unknown[]][] = [
      ["SELECT id FROM t WHERE name = ? ORDER BY n DESC, id LIMIT ?", ["name 1", 3]],
      ["SELECT name, count(*) AS c, sum(n) AS s FROM t WHERE id > ? GROUP BY name ORDER BY name", [5]],
      ["SELECT a.id, b.id AS other FROM t a JOIN t b ON b.n = a.n + 1 WHERE a.name = ? ORDER BY a.id", ["name 2"]],
      ["SELECT id FROM t WHERE b = ?", [new Uint8Array([7])]],
      ["SELECT count(*) AS c FROM t WHERE ?1 IS NULL OR n = ?1", [null]],
      ["SELECT id FROM t WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", ["[2, 4, 99]"]],
      ["SELECT id FROM t WHERE name LIKE ? ORDER BY id LIMIT ?", ["name 3%", 2]],
      ["SELECT typeof(?) AS a, typeof(?) AS b, ? || '' AS c", [1, "1", 2.5]],
    ];
    expect(db.sqlite.query("SELECT ? AS x").toJSON().sql).toBe("SELECT +NULL AS x");
    expect(db.sqlite.prepare("SELECT ? AS x").toJSON().sql).toBe("SELECT +NULL AS x");
    for (const [sql, args] of cases) {
      const stable = db.sqlite.query(sql).all(...(args as [])) as unknown[];
      // The class's own prepare, past the database's stabilizing one.
      const bare = Database.prototype.prepare.call(db.sqlite, sql).all(...(args as [])) as unknown[];
      expect(stable.length).toBeGreaterThan(0);
      expect(stable).toEqual(bare);
    }
    db.close();
  });
});
