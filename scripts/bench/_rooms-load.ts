/**
 * Worker for scripts/bench/rooms.ts: the HTTP load generator runs on its own thread so that the
 * in-process server keeps the main thread to itself (as it would with real, remote clients).
 * Message in: { baseUrl, clients: { token, roomId }[], seconds, warmup }. Message out:
 * { sent, seconds, latenciesMs }.
 */
declare const self: Worker;

interface Job {
  baseUrl: string;
  clients: { token: string; roomId: string }[];
  seconds: number;
  warmup: number;
}

const BODY = JSON.stringify({
  msgtype: "m.text",
  body: "Hello! This is a benchmark message of a typical chat length, about eighty chars.",
});

self.onmessage = async (e: MessageEvent<Job>) => {
  const { baseUrl, clients, seconds, warmup } = e.data;
  let txn = 0;
  const sendOne = async (c: { token: string; roomId: string }) => {
    txn++;
    const res = await fetch(
      `${baseUrl}/_matrix/client/v3/rooms/${encodeURIComponent(c.roomId)}/send/m.room.message/bench${txn}`,
      {
        method: "PUT",
        body: BODY,
        headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
      },
    );
    if (res.status !== 200) throw new Error(`send failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < warmup; i++) await sendOne(clients[i % clients.length]!);
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < until) {
        const t = performance.now();
        await sendOne(c);
        latencies.push(performance.now() - t);
      }
    }),
  );
  self.postMessage({ sent: latencies.length, seconds: (performance.now() - started) / 1000, latenciesMs: latencies });
};
