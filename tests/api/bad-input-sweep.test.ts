/**
 * Every registered endpoint against bad input: missing and unknown tokens, malformed JSON, JSON of
 * the wrong shape, oversized bodies. Each gets the spec's error, and nothing in the database changes.
 * New endpoints are covered as soon as they are registered.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let admin: TestUser;

beforeAll(async () => {
  hs = await startTestServer({ config: { limits: { max_request_bytes: 65_536 } } });
  admin = createUserDirect(hs, "sweeper", { admin: true });
});
afterAll(() => hs.stop());

const SAMPLE: Record<string, string> = {
  userId: "@sweeper:hs1.test",
  roomId: "!nowhere:hs1.test",
  roomIdOrAlias: "!nowhere:hs1.test",
  roomAlias: "#nowhere:hs1.test",
  eventId: "$nowhere",
  serverName: "hs1.test",
  mediaId: "nothing",
};

function samplePath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_m, name: string) => encodeURIComponent(SAMPLE[name] ?? "x"));
}

function tableCounts(): Record<string, number> {
  // Background work that follows earlier writes (the search index) must not look like a change.
  while (hs.server.services.search.indexPending() > 0);
  const db = hs.server.db.sqlite;
  const tables = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all();
  const out: Record<string, number> = {};
  for (const { name } of tables)
    out[name] = db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${name}"`).get()!.n;
  return out;
}

async function errcodeOf(res: Response): Promise<string> {
  const text = await res.text();
  try {
    return (JSON.parse(text) as { errcode?: string }).errcode ?? `(no errcode: ${text.slice(0, 80)})`;
  } catch {
    return `(not JSON: ${text.slice(0, 80)})`;
  }
}

describe("bad input on every endpoint", () => {
  test("the route table is not empty", () => {
    expect(hs.server.app.routes.list().length).toBeGreaterThan(30);
  });

  test("no token and an unknown token are refused with 401, and nothing changes", async () => {
    const before = tableCounts();
    const problems: string[] = [];
    for (const r of hs.server.app.routes.list()) {
      if (r.auth !== "accessToken" && r.auth !== "admin") continue;
      const url = `${hs.baseUrl}${samplePath(r.path)}`;
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : "{}";
      const none = await fetch(url, { method: r.method, body });
      const noneCode = await errcodeOf(none);
      if (none.status !== 401 || noneCode !== "M_MISSING_TOKEN")
        problems.push(`${r.method} ${r.path} without token: ${none.status} ${noneCode}`);
      const bad = await fetch(url, { method: r.method, body, headers: { authorization: "Bearer not-a-token" } });
      const badCode = await errcodeOf(bad);
      if (bad.status !== 401 || badCode !== "M_UNKNOWN_TOKEN")
        problems.push(`${r.method} ${r.path} with a wrong token: ${bad.status} ${badCode}`);
    }
    expect(problems).toEqual([]);
    expect(tableCounts()).toEqual(before);
  });

  test("malformed JSON, wrong shapes and oversized bodies get 400/413 errors, and nothing changes", async () => {
    const before = tableCounts();
    const problems: string[] = [];
    for (const r of hs.server.app.routes.list()) {
      if (!r.jsonBody) continue;
      const url = `${hs.baseUrl}${samplePath(r.path)}`;
      const headers = { authorization: `Bearer ${admin.accessToken}`, "content-type": "application/json" };
      // A path or query parameter the sample values do not satisfy may be reported first.
      const paramFirst = ["M_INVALID_PARAM", "M_MISSING_PARAM"];

      const malformed = await fetch(url, { method: r.method, headers, body: "{not json" });
      const m = await errcodeOf(malformed);
      if (malformed.status !== 400 || !["M_NOT_JSON", ...paramFirst].includes(m)) {
        problems.push(`${r.method} ${r.path} malformed JSON: ${malformed.status} ${m}`);
      }
      const wrong = await fetch(url, { method: r.method, headers, body: "[1, 2, 3]" });
      const w = await errcodeOf(wrong);
      if (wrong.status !== 400 || !["M_BAD_JSON", "M_NOT_JSON", ...paramFirst].includes(w)) {
        problems.push(`${r.method} ${r.path} wrong JSON shape: ${wrong.status} ${w}`);
      }
      const huge = await fetch(url, { method: r.method, headers, body: JSON.stringify({ x: "a".repeat(100_000) }) });
      const h = await errcodeOf(huge);
      if (!((huge.status === 413 && h === "M_TOO_LARGE") || (huge.status === 400 && paramFirst.includes(h)))) {
        problems.push(`${r.method} ${r.path} oversized body: ${huge.status} ${h}`);
      }
    }
    expect(problems).toEqual([]);
    expect(tableCounts()).toEqual(before);
  });
});
