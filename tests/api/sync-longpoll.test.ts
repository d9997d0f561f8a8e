/** Long polling at scale: 200 waiting clients each wake for their own rooms only; disconnects free everything. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { createRoom, member, type SyncBody, sync, syncPath, text } from "./sync-helpers";

const USERS = 200;
const ROOMS = 20;
let hs: TestServer;
let owner: TestUser;
const users: TestUser[] = [];
const rooms: string[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  hs = await startTestServer();
  owner = createUserDirect(hs, "owner");
  for (let r = 0; r < ROOMS; r++) rooms.push(await createRoom(hs, owner, { preset: "public_chat", name: `r${r}` }));
  for (let i = 0; i < USERS; i++) {
    const u = createUserDirect(hs, `u${i}`);
    users.push(u);
    await member(hs, u, rooms[i % ROOMS]!, "join");
  }
  for (const u of users) tokens.push((await sync(hs, u, { filter: { presence: { types: [] } } })).next_batch);
});
afterAll(() => hs.stop());

const waiting = () => hs.server.services.notifier.waiting();
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await Bun.sleep(2);
}

test("200 long-polling clients: a message wakes exactly the members of its room", async () => {
  const done = new Set<number>();
  const polls = users.map((u, i) =>
    call<SyncBody>(hs, "GET", syncPath({ since: tokens[i], timeout: 60_000, filter: { presence: { types: [] } } }), {
      token: u.accessToken,
    }).then((r) => {
      done.add(i);
      return r;
    }),
  );
  await until(() => waiting() === USERS);

  await text(hs, owner, rooms[3]!, "for room 3");
  const members = users.map((_, i) => i).filter((i) => i % ROOMS === 3);
  await Promise.all(members.map((i) => polls[i]));
  for (const i of members) {
    const r = await polls[i]!;
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.rooms.join)).toEqual([rooms[3]!]);
    tokens[i] = r.body.next_batch;
  }
  // Nobody else woke: the other 190 still wait.
  await until(() => waiting() === USERS - members.length);
  expect([...done].sort((a, b) => a - b)).toEqual(members);

  for (let r = 0; r < ROOMS; r++) if (r !== 3) await text(hs, owner, rooms[r]!, `for room ${r}`);
  const all = await Promise.all(polls);
  all.forEach((r, i) => {
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.rooms.join)).toEqual([rooms[i % ROOMS]!]);
    tokens[i] = r.body.next_batch;
  });
  expect(waiting()).toBe(0);
});

test("clients that disconnect leave no waiter behind", async () => {
  const controllers = users.slice(0, 50).map(() => new AbortController());
  const polls = users.slice(0, 50).map((u, i) =>
    fetch(`${hs.baseUrl}${syncPath({ since: tokens[i], timeout: 60_000 })}`, {
      headers: { authorization: `Bearer ${u.accessToken}` },
      signal: controllers[i]!.signal,
    }).catch((e: Error) => e.name),
  );
  await until(() => waiting() >= 50);
  for (const c of controllers) c.abort();
  expect(await Promise.all(polls)).toEqual(Array(50).fill("AbortError"));
  await until(() => waiting() === 0);
  expect(waiting()).toBe(0);
});

test("stopping the server ends waiting syncs at once", async () => {
  const extra = await startTestServer();
  const u = createUserDirect(extra, "solo");
  const first = await sync(extra, u);
  const poll = call<SyncBody>(extra, "GET", syncPath({ since: first.next_batch, timeout: 60_000 }), {
    token: u.accessToken,
  });
  while (extra.server.services.notifier.waiting() === 0) await Bun.sleep(2);
  const stopped = extra.stop();
  const r = await poll;
  await stopped;
  expect(r.status).toBe(200);
  expect(r.body.rooms.join).toEqual({});
});
