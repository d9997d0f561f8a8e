import { Database } from "bun:sqlite";
import { type Checkpointer, createCheckpointer } from "./checkpointer";
import { stabilizeParams } from "./stable-params";

export interface Db {
  readonly sqlite: Database;
  /**
   * Runs `fn` in a transaction (nested calls become savepoints). `fn` must be synchronous: an async
   * callback would let the transaction commit before its awaited work ran, so it is refused.
   */
  tx<T>(fn: () => T): T;
  /**
   * Registers `fn` to run if the current transaction (or savepoint) rolls back, so in-memory caches
   * filled inside it can forget what never reached the disk. Outside a transaction it does nothing.
   */
  onRollback(fn: () => void): void;
  /** Registers `fn` to run once the outermost transaction commits (at once when outside one). */
  afterCommit(fn: () => void): void;
  /**
   * Copies what the write-ahead log holds into the database file and syncs it to disk (a passive
   * checkpoint: it never waits for readers). Cheap when the log is empty. The server calls it on a
   * timer so that committed data reaches the disk within that time even when few writes happen.
   */
  checkpoint(): void;
  close(): void;
}

export class AsyncTransactionError extends Error {
  constructor() {
    super("db.tx() was given an async callback; transactions must be synchronous");
    this.name = "AsyncTransactionError";
  }
}

/**
 * Pages the write-ahead log may hold before a commit copies them into the database file (SQLite's
 * default is 1,000). Durability: in WAL mode with synchronous=NORMAL a committed transaction is in
 * the log file when COMMIT returns, so a crash of the process never loses it; the log is synced to
 * disk (fsync) at each checkpoint, so a power loss or kernel crash can lose the transactions since
 * the last one, never the database's consistency. Checkpointing every 1,000 pages made a sync and a
 * copy of the same hot pages every ~80 messages (every message in a room of 1,000 local members
 * writes ~1,000 notification pages): with 10,000 pages (about 40 MiB of log), sends in a room of 10
 * members went ~20% faster and push processing in a room of 1,000 members about 2x. Under writes a
 * worker thread checkpoints far more often than this (storage/checkpointer.ts), so this is the
 * backstop; the server also checkpoints on a timer (Db.checkpoint), so the power-loss window is
 * bounded in time when writes are few. Reads look pages up in the log's hash index: a full log did
 * not slow them measurably.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Opens (creating if needed) the SQLite database at `path` (":memory:" for tests) with our pragmas. */
export function openDb(path: string): Db {
  const sqlite = new Database(path, { create: true, strict: true });
  const inMemory = path === ":memory:" || path === "";
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  sqlite.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  // After a checkpoint empties the log, its file is cut back to this size (it stays allocated otherwise).
  sqlite.exec(`PRAGMA journal_size_limit = ${WAL_AUTOCHECKPOINT_PAGES * 4096}`);
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA temp_store = MEMORY");
  return wrapDb(sqlite, inMemory ? null : createCheckpointer(path));
}

const stabilized = new WeakSet<Database>();

/**
 * Makes `query` and `prepare` compile statements with `+?` parameters, so that bun:sqlite's rebinding
 * on every call does not recompile them (see stable-params.ts). Callers write plain `?`.
 */
function useStableParams(sqlite: Database): void {
  if (stabilized.has(sqlite)) return;
  stabilized.add(sqlite);
  const query = sqlite.query.bind(sqlite);
  const prepare = sqlite.prepare.bind(sqlite);
  const rewritten = new Map<string, string>();
  const stable = (sql: string) => {
    let s = rewritten.get(sql);
    if (s === undefined) {
      s = stabilizeParams(sql);
      if (rewritten.size >= 2000) rewritten.clear();
      rewritten.set(sql, s);
    }
    return s;
  };
  sqlite.query = ((sql: string) => query(stable(sql))) as Database["query"];
  sqlite.prepare = ((sql: string, params?: Parameters<Database["prepare"]>[1]) =>
    prepare(stable(sql), params)) as Database["prepare"];
}

/** `checkpointer`: checkpoints the log on another thread (file databases, see storage/checkpointer.ts). */
export function wrapDb(sqlite: Database, checkpointer: Checkpointer | null = null): Db {
  useStableParams(sqlite);
  let depth = 0;
  const rollbackHooks: (() => void)[] = [];
  let commitHooks: (() => void)[] = [];
  return {
    sqlite,
    tx<T>(fn: () => T): T {
      const name = `sp${depth}`;
      const mark = rollbackHooks.length;
      const commitMark = commitHooks.length;
      sqlite.exec(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${name}`);
      depth++;
      let result: T;
      try {
        result = fn();
        if (
          result !== null &&
          typeof result === "object" &&
          typeof (result as { then?: unknown }).then === "function"
        ) {
          throw new AsyncTransactionError();
        }
      } catch (e) {
        depth--;
        sqlite.exec(depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${name}; RELEASE ${name}`);
        for (const hook of rollbackHooks.splice(mark).reverse()) hook();
        commitHooks.length = commitMark;
        throw e;
      }
      depth--;
      if (depth === 0) {
        try {
          sqlite.exec("COMMIT");
        } catch (e) {
          // A failed COMMIT (deferred constraint, disk full) leaves nothing written: undo and say so.
          if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
          for (const hook of rollbackHooks.splice(0).reverse()) hook();
          commitHooks.length = 0;
          throw e;
        }
        rollbackHooks.length = 0;
        checkpointer?.committed();
        const hooks = commitHooks;
        commitHooks = [];
        for (const hook of hooks) hook();
      } else sqlite.exec(`RELEASE ${name}`);
      return result;
    },
    onRollback(fn) {
      if (depth > 0) rollbackHooks.push(fn);
    },
    afterCommit(fn) {
      if (depth > 0) commitHooks.push(fn);
      else fn();
    },
    checkpoint() {
      if (depth === 0) sqlite.exec("PRAGMA wal_checkpoint(PASSIVE)");
    },
    close() {
      checkpointer?.stop();
      sqlite.close();
    },
  };
}
