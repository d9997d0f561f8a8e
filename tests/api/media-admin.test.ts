/** The Synapse-compatible media admin API: quarantine, delete, purge, usage figures. */
import { afterEach, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { manualClock } from "../../src/util/clock";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});

async function upload(s: TestServer, u: TestUser, body: string): Promise<string> {
  const res = await fetch(`${s.baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${u.accessToken}`, "content-type": "text/plain" },
    body,
  });
  return ((await res.json()) as { content_uri: string }).content_uri.slice("mxc://".length);
}

const fileCount = (s: TestServer) => {
  const walk = (d: string): number => {
    try {
      return readdirSync(d, { withFileTypes: true }).reduce(
        (n, e) => n + (e.isDirectory() ? walk(join(d, e.name)) : 1),
        0,
      );
    } catch {
      return 0;
    }
  };
  return walk(join(s.dataDir, "media/content"));
};

test("quarantine hides media everywhere until released; only admins may do it", async () => {
  hs = await startTestServer();
  const admin = createUserDirect(hs, "root", { admin: true });
  const alice = createUserDirect(hs, "alice");
  const mxc = await upload(hs, alice, "questionable");
  const dl = () => hs!.request("GET", `/_matrix/client/v1/media/download/${mxc}`, { token: alice.accessToken });
  const denied = await hs.request("POST", `/_synapse/admin/v1/media/quarantine/${mxc}`, { token: alice.accessToken });
  expect(denied.status).toBe(403);
  expect((await dl()).status).toBe(200);
  expect(
    (await hs.request("POST", `/_synapse/admin/v1/media/quarantine/${mxc}`, { token: admin.accessToken })).status,
  ).toBe(200);
  const hidden = await dl();
  expect(hidden.status).toBe(404);
  expect(((await hidden.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
  expect(
    (await hs.request("POST", `/_synapse/admin/v1/media/unquarantine/${mxc}`, { token: admin.accessToken })).status,
  ).toBe(200);
  expect(await (await dl()).text()).toBe("questionable");
  const unknown = await hs.request("POST", "/_synapse/admin/v1/media/quarantine/hs1.test/nope", {
    token: admin.accessToken,
  });
  expect(unknown.status).toBe(404);
});

test("delete one item, or everything uploaded before a time; files go once unreferenced", async () => {
  const clock = manualClock();
  hs = await startTestServer({ clock });
  const admin = createUserDirect(hs, "root", { admin: true });
  const alice = createUserDirect(hs, "alice");
  const a = await upload(hs, alice, "first");
  clock.advance(1000);
  const b = await upload(hs, alice, "second");
  const cutoff = clock.now();
  clock.advance(1000);
  const c = await upload(hs, alice, "third");
  expect(fileCount(hs)).toBe(3);

  const one = await hs.request("DELETE", `/_synapse/admin/v1/media/${a}`, { token: admin.accessToken });
  expect(await one.json()).toEqual({ deleted_media: [a.split("/")[1]], total: 1 });
  expect(fileCount(hs)).toBe(2);
  expect((await hs.request("GET", `/_matrix/client/v1/media/download/${a}`, { token: alice.accessToken })).status).toBe(
    404,
  );

  const before = await hs.request("POST", `/_synapse/admin/v1/media/delete?before_ts=${cutoff + 1}`, {
    token: admin.accessToken,
  });
  expect(await before.json()).toEqual({ deleted_media: [b.split("/")[1]], total: 1 });
  expect(fileCount(hs)).toBe(1);
  expect(
    await (await hs.request("GET", `/_matrix/client/v1/media/download/${c}`, { token: alice.accessToken })).text(),
  ).toBe("third");

  const bad = await hs.request("POST", "/_synapse/admin/v1/media/delete?before_ts=yesterday", {
    token: admin.accessToken,
  });
  expect(bad.status).toBe(400);
  expect((await hs.request("DELETE", `/_synapse/admin/v1/media/${c}`, { token: alice.accessToken })).status).toBe(403);
  expect(fileCount(hs)).toBe(1);
});

test("per-user usage figures", async () => {
  hs = await startTestServer();
  const admin = createUserDirect(hs, "root", { admin: true });
  const alice = createUserDirect(hs, "alice");
  const bob = createUserDirect(hs, "bob");
  await upload(hs, alice, "12345");
  await upload(hs, alice, "123");
  await upload(hs, bob, "1234567890");
  const res = await hs.request("GET", "/_synapse/admin/v1/statistics/users/media?order_by=media_length&dir=b", {
    token: admin.accessToken,
  });
  expect(await res.json()).toEqual({
    users: [
      { user_id: "@bob:hs1.test", displayname: null, media_count: 1, media_length: 10 },
      { user_id: "@alice:hs1.test", displayname: null, media_count: 2, media_length: 8 },
    ],
    total: 2,
  });
  const page = (await (
    await hs.request("GET", "/_synapse/admin/v1/statistics/users/media?limit=1", { token: admin.accessToken })
  ).json()) as { users: { user_id: string }[]; next_token?: number };
  expect(page.users.map((u) => u.user_id)).toEqual(["@alice:hs1.test"]);
  expect(page.next_token).toBe(1);
  expect(
    (await hs.request("GET", "/_synapse/admin/v1/statistics/users/media", { token: alice.accessToken })).status,
  ).toBe(403);
});
