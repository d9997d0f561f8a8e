/**
 * Crash safety for messages, against the homeserver program (the compiled binary in CI): three users
 * send a burst of messages from several connections at once, and the process is killed with SIGKILL
 * in the middle of it. After a restart, every send that was answered with an event ID is there (GET
 * /event and /messages), nothing half-written or doubled appears (a retried transaction ID gives the
 * same event), /sync from a token handed out before the crash carries on without errors or repeats,
 * and a matrix-js-sdk client that lived through the restart picks up where it was.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MatrixClient } from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  FAST_HASHING_ENV,
  registerUser,
  repeatedTimelineEvents,
  type SdkSession,
  serverProblems,
  startSdkClient,
  stopAll,
  timelineEvent,
  until,
} from "../helpers/sdk-clients";

let hs: BinaryServer;
const users: Record<string, SdkSession> = {};
let roomId: string;
let watcher: MatrixClient;

interface Json {
  [k: string]: unknown;
}
interface ClientEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Json;
}

async function api(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${hs.baseUrl}/_matrix/client/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function ok(token: string, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await api(token, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const room = () => encodeURIComponent(roomId);

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "crash-msg.e2e.test", env: FAST_HASHING_ENV });
  for (const name of ["alice", "bob", "carol"]) users[name] = await registerUser(hs.baseUrl, name, `${name} password`);
  roomId = (await ok(users.alice!.accessToken, "POST", "/createRoom", { preset: "public_chat", name: "Burst" }))
    .room_id as string;
  for (const name of ["bob", "carol"]) await ok(users[name]!.accessToken, "POST", `/rooms/${room()}/join`, {});
  // Bob watches with a real client, which must live through the crash.
  watcher = await startSdkClient(hs.baseUrl, users.bob!);
}, 30_000);
afterAll(async () => {
  stopAll([watcher].filter(Boolean));
  await hs?.cleanup();
});

/** Every event of the room through /messages, newest first, following `end` to the start. */
async function wholeHistory(token: string): Promise<ClientEvent[]> {
  const all: ClientEvent[] = [];
  let from: string | undefined;
  for (let page = 0; page < 200; page++) {
    const q = new URLSearchParams({ dir: "b", limit: "100", ...(from ? { from } : {}) });
    const r = await ok(token, "GET", `/rooms/${room()}/messages?${q}`);
    all.push(...(r.chunk as ClientEvent[]));
    if (!r.end) return all;
    from = r.end as string;
  }
  throw new Error("/messages did not reach the start of the room in 200 pages");
}

/**
 * Syncs from `since` and fills the gap a limited timeline leaves the way a client does (/messages
 * backwards from `prev_batch` down to `since`): every room event after `since`, oldest first, and the new token.
 */
async function catchUp(token: string, since: string): Promise<{ events: ClientEvent[]; next: string }> {
  const q = new URLSearchParams({ since, timeout: "0" });
  const r = await ok(token, "GET", `/sync?${q}`);
  const timeline = (
    r.rooms as {
      join?: Record<string, { timeline: { events: ClientEvent[]; limited?: boolean; prev_batch?: string } }>;
    }
  )?.join?.[roomId]?.timeline;
  const events = [...(timeline?.events ?? [])];
  let from = timeline?.limited ? timeline.prev_batch : undefined;
  for (let page = 0; from; page++) {
    if (page > 200) throw new Error("filling the gap took more than 200 pages");
    const m = await ok(
      token,
      "GET",
      `/rooms/${room()}/messages?${new URLSearchParams({ dir: "b", limit: "100", from, to: since })}`,
    );
    events.unshift(...(m.chunk as ClientEvent[]).reverse());
    from = (m.chunk as unknown[]).length > 0 ? (m.end as string | undefined) : undefined;
  }
  return { events, next: r.next_batch as string };
}

test("every message acknowledged before SIGKILL is there after restart, once, and sync carries on", async () => {
  const tokenBefore = (await ok(users.carol!.accessToken, "GET", "/sync?timeout=0")).next_batch as string;

  // A poller keeps syncing during the burst: its last token was handed out just before the crash.
  let lastPolled = tokenBefore;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await api(users.carol!.accessToken, "GET", `/sync?since=${lastPolled}&timeout=1000`).catch(() => null);
      if (r?.status !== 200) break;
      lastPolled = r.body.next_batch as string;
    }
  })();

  const acked = new Map<string, { eventId: string; sender: string }>(); // body -> event
  const attempts: { user: string; txn: string; body: string }[] = [];
  let stop = false;
  const worker = async (name: string, w: number) => {
    const s = users[name]!;
    for (let i = 0; !stop; i++) {
      const body = `${name}/${w}/${i}`;
      const txn = `burst-${w}-${i}`;
      attempts.push({ user: name, txn, body });
      const r = await api(s.accessToken, "PUT", `/rooms/${room()}/send/m.room.message/${txn}`, {
        msgtype: "m.text",
        body,
      }).catch(() => null); // a connection cut by the kill: not acknowledged
      if (r?.status === 200) acked.set(body, { eventId: r.body.event_id as string, sender: s.userId });
      else if (r) throw new Error(`send ${body}: ${r.status} ${JSON.stringify(r.body)}`);
      else break;
    }
  };
  const workers = ["alice", "bob", "carol"].flatMap((name) => [0, 1, 2, 3].map((w) => worker(name, w)));
  await until("200 acknowledged sends", () => acked.size >= 200, 30_000);
  await hs.kill();
  stop = true;
  polling = false;
  await Promise.all([...workers, poller]);
  expect(attempts.length).toBeGreaterThan(acked.size); // some were in flight when it died

  await hs.restart(FAST_HASHING_ENV);
  const token = users.alice!.accessToken;

  // 1. Each acknowledged event reads back by ID, with its content.
  const missing: string[] = [];
  for (const [body, { eventId, sender }] of acked) {
    const r = await api(token, "GET", `/rooms/${room()}/event/${encodeURIComponent(eventId)}`);
    if (r.status !== 200 || r.body.sender !== sender || (r.body.content as Json).body !== body) {
      missing.push(`${body} ${eventId}: ${r.status}`);
    }
  }
  expect(missing).toEqual([]);

  // 2. Retrying every attempt with its transaction ID (what a client does after a failed request)
  //    gives the same event for the acknowledged ones and never a second copy.
  for (const a of attempts) {
    const r = await ok(users[a.user]!.accessToken, "PUT", `/rooms/${room()}/send/m.room.message/${a.txn}`, {
      msgtype: "m.text",
      body: a.body,
    });
    const known = acked.get(a.body);
    if (known) expect(r.event_id).toBe(known.eventId);
    else acked.set(a.body, { eventId: r.event_id as string, sender: users[a.user]!.userId });
  }

  // 3. The history holds each attempted message exactly once, and nothing else unexpected.
  const history = await wholeHistory(token);
  const messages = history.filter((e) => e.type === "m.room.message");
  const bodies = messages.map((e) => e.content.body as string);
  expect(new Set(bodies).size).toBe(bodies.length);
  expect(bodies.sort()).toEqual([...acked.keys()].sort());
  expect(new Set(history.map((e) => e.event_id)).size).toBe(history.length);
  for (const e of messages) expect(acked.get(e.content.body as string)?.eventId).toBe(e.event_id);

  // 4. /sync from tokens handed out before the crash: no error; from the token taken before the burst,
  //    with the gap filled, exactly the history since then, each event once.
  const sinceBefore = await catchUp(users.carol!.accessToken, tokenBefore);
  const ids = sinceBefore.events.map((e) => e.event_id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(
    history
      .map((e) => e.event_id)
      .reverse()
      .slice(-ids.length),
  );
  expect(sinceBefore.events.filter((e) => e.type === "m.room.message").length).toBe(acked.size);
  const fromPolled = await catchUp(users.carol!.accessToken, lastPolled);
  expect(new Set(fromPolled.events.map((e) => e.event_id)).size).toBe(fromPolled.events.length);
  expect((await catchUp(users.carol!.accessToken, sinceBefore.next)).events).toEqual([]);

  // 5. Bob's client lived through it: it reconnects on its own and sees what is sent next, with no repeats.
  const after = await ok(users.alice!.accessToken, "PUT", `/rooms/${room()}/send/m.room.message/after-restart`, {
    msgtype: "m.text",
    body: "we are back",
  });
  const ev = await timelineEvent(watcher, roomId, after.event_id as string, 30_000);
  expect(ev.getContent().body).toBe("we are back");
  expect(repeatedTimelineEvents(watcher)).toEqual([]);
  await ok(users.alice!.accessToken, "PUT", `/rooms/${room()}/typing/${encodeURIComponent(users.alice!.userId)}`, {
    typing: true,
    timeout: 30_000,
  });
  await until(
    "Bob's client sees Alice typing after the restart",
    () => watcher.getRoom(roomId)?.getMember(users.alice!.userId)?.typing,
    20_000,
    watcher,
  );
  expect(serverProblems(hs.log())).toEqual([]); // since the restart
}, 90_000);

test("a clean stop (SIGTERM) mid-burst answers every request it accepted, and every answered send is there after restart", async () => {
  const token = users.alice!.accessToken;
  const acked = new Map<string, string>();
  const failures = new Map<string, number>();
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const body = `term/${w}/${i}`;
      try {
        const r = await api(token, "PUT", `/rooms/${room()}/send/m.room.message/term-${w}-${i}`, {
          msgtype: "m.text",
          body,
        });
        if (r.status !== 200) throw new Error(`send ${body}: ${r.status} ${JSON.stringify(r.body)}`);
        acked.set(body, r.body.event_id as string);
      } catch (e) {
        const code = (e as { code?: string }).code ?? String(e);
        failures.set(code, (failures.get(code) ?? 0) + 1);
        if (code === "ECONNREFUSED") return; // the listener is closed: the client waits and retries later
      }
    }
  };
  const workers = Array.from({ length: 12 }, (_, w) => worker(w));
  await until("100 acknowledged sends", () => acked.size >= 100, 30_000);
  expect(await hs.stop()).toBe(0);
  stop = true;
  await Promise.all(workers);
  // Refused connections only: no request was cut off half-way (no reset, no half-written answer).
  expect([...failures.keys()].filter((k) => k !== "ECONNREFUSED")).toEqual([]);

  await hs.restart(FAST_HASHING_ENV);
  const missing: string[] = [];
  for (const [body, eventId] of acked) {
    const r = await api(token, "GET", `/rooms/${room()}/event/${encodeURIComponent(eventId)}`);
    if (r.status !== 200 || (r.body.content as Json).body !== body) missing.push(`${body}: ${r.status}`);
  }
  expect(missing).toEqual([]);
}, 60_000);
