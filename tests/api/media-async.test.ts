/** Asynchronous uploads: POST /_matrix/media/v1/create, then PUT /_matrix/media/v3/upload/{serverName}/{mediaId}. */
import { afterEach, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect } from "../helpers/users";

let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});

const DAY = 86_400_000;

async function create(s: TestServer, token: string) {
  const res = await s.request("POST", "/_matrix/media/v1/create", { token });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function put(s: TestServer, token: string, mxc: string, body: NonNullable<RequestInit["body"]>, type = "text/plain") {
  const [server, id] = mxc.slice("mxc://".length).split("/");
  return fetch(`${s.baseUrl}/_matrix/media/v3/upload/${server}/${id}?filename=later.txt`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": type },
    body,
  });
}

const download = (s: TestServer, token: string, mxc: string, q = "") =>
  s.request("GET", `/_matrix/client/v1/media/download/${mxc.slice("mxc://".length)}${q}`, { token });

test("create, then upload: the content appears under the reserved mxc URI", async () => {
  const clock = manualClock();
  hs = await startTestServer({ clock });
  const alice = createUserDirect(hs, "alice");
  const c = await create(hs, alice.accessToken);
  expect(c.status).toBe(200);
  expect(c.body.content_uri).toMatch(/^mxc:\/\/hs1\.test\/[A-Za-z0-9_-]+$/);
  expect(c.body.unused_expires_at).toBe(clock.now() + DAY);
  const mxc = c.body.content_uri as string;

  const early = await download(hs, alice.accessToken, mxc, "?timeout_ms=0");
  expect(early.status).toBe(504);
  expect(((await early.json()) as { errcode: string }).errcode).toBe("M_NOT_YET_UPLOADED");

  const up = await put(hs, alice.accessToken, mxc, "late content");
  expect(up.status).toBe(200);
  expect(await up.json()).toEqual({});
  const dl = await download(hs, alice.accessToken, mxc);
  expect(dl.status).toBe(200);
  expect(await dl.text()).toBe("late content");
  expect(dl.headers.get("content-disposition")).toBe('inline; filename="later.txt"');

  const again = await put(hs, alice.accessToken, mxc, "overwrite");
  expect(again.status).toBe(409);
  expect(((await again.json()) as { errcode: string }).errcode).toBe("M_CANNOT_OVERWRITE_MEDIA");
  expect(await (await download(hs, alice.accessToken, mxc)).text()).toBe("late content");
});

test("a download waiting on a pending upload is answered when the upload lands", async () => {
  hs = await startTestServer();
  const alice = createUserDirect(hs, "alice");
  const mxc = (await create(hs, alice.accessToken)).body.content_uri as string;
  const waiting = download(hs, alice.accessToken, mxc, "?timeout_ms=15000");
  await Bun.sleep(20);
  expect((await put(hs, alice.accessToken, mxc, "arrived")).status).toBe(200);
  const res = await waiting;
  expect(res.status).toBe(200);
  expect(await res.text()).toBe("arrived");
});

test("someone else's media ID: 403 M_FORBIDDEN, and it stays uploadable by its creator", async () => {
  hs = await startTestServer();
  const alice = createUserDirect(hs, "alice");
  const eve = createUserDirect(hs, "eve");
  const mxc = (await create(hs, alice.accessToken)).body.content_uri as string;
  const res = await put(hs, eve.accessToken, mxc, "hijack");
  expect(res.status).toBe(403);
  expect(((await res.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
  expect((await put(hs, alice.accessToken, mxc, "mine")).status).toBe(200);
  expect(await (await download(hs, alice.accessToken, mxc)).text()).toBe("mine");
});

test("unknown, foreign and expired media IDs: 404 M_NOT_FOUND", async () => {
  const clock = manualClock();
  hs = await startTestServer({ clock });
  const alice = createUserDirect(hs, "alice");
  for (const mxc of ["mxc://hs1.test/neverCreated", "mxc://other.test/abcdef"]) {
    const res = await put(hs, alice.accessToken, mxc, "x");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
  }
  const mxc = (await create(hs, alice.accessToken)).body.content_uri as string;
  clock.advance(DAY + 1);
  const late = await put(hs, alice.accessToken, mxc, "too late");
  expect(late.status).toBe(404);
  expect((await download(hs, alice.accessToken, mxc, "?timeout_ms=0")).status).toBe(404);
  // The cleanup drops the expired ID.
  expect((await hs.server.services.media.runCleanup()).expiredPending).toBe(1);
});

test("too many pending uploads: 429 M_LIMIT_EXCEEDED until one is used or expires", async () => {
  const clock = manualClock();
  hs = await startTestServer({ clock, config: { media: { max_pending_uploads: 2 } } });
  const alice = createUserDirect(hs, "alice");
  const first = (await create(hs, alice.accessToken)).body.content_uri as string;
  expect((await create(hs, alice.accessToken)).status).toBe(200);
  const third = await create(hs, alice.accessToken);
  expect(third.status).toBe(429);
  expect(third.body.errcode).toBe("M_LIMIT_EXCEEDED");
  expect(third.body.retry_after_ms).toBe(DAY);
  expect((await put(hs, alice.accessToken, first, "done")).status).toBe(200);
  expect((await create(hs, alice.accessToken)).status).toBe(200);
  // Another user has their own allowance.
  const bob = createUserDirect(hs, "bob");
  expect((await create(hs, bob.accessToken)).status).toBe(200);
});

test("create and upload-to-mxc need a valid token", async () => {
  hs = await startTestServer();
  expect((await hs.request("POST", "/_matrix/media/v1/create")).status).toBe(401);
  expect((await hs.request("POST", "/_matrix/media/v1/create", { token: "bogus" })).status).toBe(401);
  const rows = hs.server.db.sqlite.query("SELECT count(*) AS n FROM media").get() as { n: number };
  expect(rows.n).toBe(0);
});
