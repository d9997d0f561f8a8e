/**
 * Checkpoints the write-ahead log on a thread of its own. A checkpoint copies the logged pages into
 * the database file and syncs both files to disk: tens of milliseconds during which the thread that
 * runs it can do nothing else. Left to SQLite, that thread is the one serving requests, inside
 * whichever COMMIT crosses the log's size limit. Here a worker with its own connection checkpoints
 * (passively: it never blocks the writer or readers) after every few hundred commits; the serving
 * connection keeps its automatic checkpoint as a backstop (storage/db.ts).
 *
 * The worker starts only once a database has seen some writes (an idle server or a short CLI command
 * never pays for a second JavaScript thread), and ends with the database.
 */

/** Commits before the worker is started. */
const START_AFTER_COMMITS = 256;
/** Commits between two checkpoints (a message writes ~20-40 pages: ~5,000-10,000 pages of log). */
const CHECKPOINT_EVERY_COMMITS = 250;
/** How often the worker looks at the commit count. */
const POLL_MS = 20;

// The worker's code: a blob, so that the compiled binary needs no extra entry point.
const WORKER_SOURCE = `
const { Database } = require("bun:sqlite");
let db = null;
let timer = null;
self.onmessage = (e) => {
  const m = e.data;
  if (m.type === "start") {
    db = new Database(m.path);
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA synchronous = NORMAL");
    self.postMessage({ type: "ready" });
    const commits = new Int32Array(m.counter);
    let last = Atomics.load(commits, 0);
    timer = setInterval(() => {
      const now = Atomics.load(commits, 0);
      if (now - last < m.every) return;
      last = now;
      try {
        db.exec("PRAGMA wal_checkpoint(PASSIVE)");
      } catch (err) {
        self.postMessage({ type: "error", message: String(err && err.message || err) });
      }
    }, m.pollMs);
  } else if (m.type === "stop") {
    if (timer !== null) clearInterval(timer);
    try { db && db.close(); } catch {}
    self.postMessage({ type: "stopped" });
    self.close();
  }
};
`;

export interface Checkpointer {
  /** Call after each commit of the serving connection. */
  committed(): void;
  /** Ends the worker (its connection closes; the last connection to close checkpoints what is left). */
  stop(): void;
}

export function createCheckpointer(path: string, onError: (message: string) => void = () => {}): Checkpointer {
  let commits = 0;
  let worker: Worker | null = null;
  let counter: Int32Array | null = null;
  let stopped = false;

  const start = () => {
    const buffer = new SharedArrayBuffer(4);
    counter = new Int32Array(buffer);
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    worker = new Worker(url);
    worker.unref();
    worker.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => {
      // The blob is read when the worker starts, not when it is created.
      if (e.data.type === "ready") URL.revokeObjectURL(url);
      if (e.data.type === "error") onError(e.data.message ?? "checkpoint failed");
    };
    worker.postMessage({ type: "start", path, counter: buffer, every: CHECKPOINT_EVERY_COMMITS, pollMs: POLL_MS });
  };

  return {
    committed() {
      if (counter !== null) {
        Atomics.add(counter, 0, 1);
        return;
      }
      if (stopped || ++commits < START_AFTER_COMMITS) return;
      start();
    },
    stop() {
      stopped = true;
      worker?.postMessage({ type: "stop" });
      worker = null;
      counter = null;
    },
  };
}
