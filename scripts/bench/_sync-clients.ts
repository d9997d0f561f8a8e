/**
 * The client side of the sync benchmark, run in a Worker so that the server keeps the main thread
 * (as with real clients on other machines). It long-polls /sync over real HTTP on loopback and
 * times each wake-up from just before the send that causes it to the response arriving.
 * Messages from the main thread: { type: "run", job }; it answers { type: "wait", count } when it
 * needs `count` requests waiting on the server (the main thread answers "go"), and finally
 * { type: "done", result }.
 */
declare const self: Worker;

interface Client {
  token: string;
  roomId: string;
  since: string;
}

export interface SyncClientsJob {
  baseUrl: string;
  sender: { token: string };
  /** Scenario "own": each client has its own room; "shared": all in clients[0].roomId. */
  scenario: "own" | "shared";
  clients: Client[];
  rounds: number;
}

let go: (() => void) | null = null;
const waitFor = (count: number) =>
  new Promise<void>((resolve) => {
    go = resolve;
    self.postMessage({ type: "wait", count });
  });

let txn = 0;
async function send(job: SyncClientsJob, roomId: string): Promise<void> {
  const r = await fetch(
    `${job.baseUrl}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/b${txn++}`,
    {
      method: "PUT",
      headers: { authorization: `Bearer ${job.sender.token}`, "content-type": "application/json" },
      body: JSON.stringify({ msgtype: "m.text", body: "wake up" }),
    },
  );
  if (r.status !== 200) throw new Error(`send ${r.status}`);
  await r.arrayBuffer();
}

function poll(job: SyncClientsJob, c: Client): Promise<number> {
  const filter = encodeURIComponent(JSON.stringify({ presence: { types: [] } }));
  return fetch(`${job.baseUrl}/_matrix/client/v3/sync?since=${c.since}&timeout=30000&filter=${filter}`, {
    headers: { authorization: `Bearer ${c.token}` },
  }).then(async (r) => {
    const body = (await r.json()) as { next_batch: string; rooms: { join: object } };
    const t = performance.now();
    if (r.status !== 200) throw new Error(`sync ${r.status}`);
    c.since = body.next_batch;
    if (Object.keys(body.rooms.join).length === 0) throw new Error("woke with nothing");
    return t;
  });
}

async function run(job: SyncClientsJob): Promise<number[]> {
  const latencies: number[] = [];
  const n = job.clients.length;
  if (job.scenario === "own") {
    const polls = job.clients.map((c) => poll(job, c));
    for (let round = 0; round < job.rounds; round++) {
      for (let i = 0; i < n; i++) {
        await waitFor(n);
        const t0 = performance.now();
        await send(job, job.clients[i]!.roomId);
        latencies.push((await polls[i]!) - t0);
        polls[i] = poll(job, job.clients[i]!);
      }
    }
    await waitFor(n);
    // Leave nothing running: wake everyone once more.
    for (const c of job.clients) await send(job, c.roomId);
    await Promise.all(polls);
  } else {
    for (let round = 0; round < job.rounds; round++) {
      const polls = job.clients.map((c) => poll(job, c));
      await waitFor(n);
      const t0 = performance.now();
      await send(job, job.clients[0]!.roomId);
      for (const t of await Promise.all(polls)) latencies.push(t - t0);
    }
  }
  return latencies;
}

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as { type: "run"; job: SyncClientsJob } | { type: "go" };
  if (msg.type === "go") {
    const g = go;
    go = null;
    g?.();
    return;
  }
  try {
    self.postMessage({ type: "done", result: await run(msg.job) });
  } catch (err) {
    self.postMessage({ type: "error", error: err instanceof Error ? err.message : String(err) });
  }
};
