/**
 * Compact state storage. A state map is `Map<stateKeyNid, eventNid>`; (type, state_key) pairs are
 * interned to integers.
 *
 * Snapshots form lineages. `seq` counts changes since the lineage's full snapshot (seq 0). Snapshot n
 * stores only its difference from the ancestor at seq `n & (n - 1)` (n with its lowest set bit
 * cleared), like a binary counter: reading walks at most popcount(n) <= log2(n) deltas, and n changes
 * cost O(n log n) stored entries instead of O(n × state size). A delta larger than half the state is
 * stored as a new full snapshot instead. Identical states share one snapshot: each carries a hash of
 * its full content, a sum of per-entry hashes, so it is updated from its parent's in O(delta).
 */
import { createHash } from "node:crypto";
import type { Db } from "../db";

export type StateMap = ReadonlyMap<number, number>;

const MOD = 1n << 128n;
const MAX_SEQ = 1 << 20;
const CACHE_SNAPSHOTS = 64;
const CACHE_KEYS = 50_000;

export interface StateStore {
  /** The interned number of (type, state_key), created if new. */
  internKey(type: string, stateKey: string): number;
  /** The interned number of (type, state_key), or null if never seen. */
  lookupKey(type: string, stateKey: string): number | null;
  keyOf(stateKeyNid: number): { type: string; stateKey: string };
  /** The full state of a snapshot. The returned map must not be modified. */
  load(snapshotNid: number): StateMap;
  /** Stores `parent` + `changes` (eventNid 0 = remove); returns a snapshot with that exact content (shared if one exists). */
  derive(roomNid: number, parent: number | null, changes: ReadonlyMap<number, number>): number;
  /** Stores an arbitrary full state (e.g. the outcome of state resolution), as changes over `near` when given. */
  store(roomNid: number, full: StateMap, near?: number | null): number;
  /** Drops cached snapshots that were deleted (a purged room): their numbers may be reused. */
  forget(snapshotNids: Iterable<number>): void;
}

function entryHash(keyNid: number, eventNid: number): bigint {
  const d = createHash("sha256").update(`${keyNid}:${eventNid}`).digest();
  return d.readBigUInt64BE(0) * (1n << 64n) + d.readBigUInt64BE(8);
}

function toBlob(h: bigint): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(h >> 64n, 0);
  b.writeBigUInt64BE(h & ((1n << 64n) - 1n), 8);
  return b;
}
function fromBlob(b: Uint8Array): bigint {
  const buf = Buffer.from(b);
  return buf.readBigUInt64BE(0) * (1n << 64n) + buf.readBigUInt64BE(8);
}

interface SnapshotRow {
  parent_nid: number | null;
  seq: number;
  entry_count: number;
  content_hash: Uint8Array;
}

export function createStateStore(db: Db): StateStore {
  const q = {
    selectKey: db.sqlite.query<{ state_key_nid: number }, [string, string]>(
      "SELECT state_key_nid FROM state_keys WHERE type = ? AND state_key = ?",
    ),
    insertKey: db.sqlite.query<{ state_key_nid: number }, [string, string]>(
      "INSERT INTO state_keys (type, state_key) VALUES (?, ?) RETURNING state_key_nid",
    ),
    keyOf: db.sqlite.query<{ type: string; state_key: string }, [number]>(
      "SELECT type, state_key FROM state_keys WHERE state_key_nid = ?",
    ),
    snapshot: db.sqlite.query<SnapshotRow, [number]>(
      "SELECT parent_nid, seq, entry_count, content_hash FROM state_snapshots WHERE snapshot_nid = ?",
    ),
    byHash: db.sqlite.query<{ snapshot_nid: number }, [number, Uint8Array]>(
      "SELECT snapshot_nid FROM state_snapshots WHERE room_nid = ? AND content_hash = ?",
    ),
    entries: db.sqlite.query<{ state_key_nid: number; event_nid: number }, [number]>(
      "SELECT state_key_nid, event_nid FROM state_snapshot_entries WHERE snapshot_nid = ?",
    ),
    insertSnapshot: db.sqlite.query<{ snapshot_nid: number }, [number, number | null, number, number, Uint8Array]>(
      "INSERT INTO state_snapshots (room_nid, parent_nid, seq, entry_count, content_hash) VALUES (?, ?, ?, ?, ?) RETURNING snapshot_nid",
    ),
    insertEntry: db.sqlite.query(
      "INSERT INTO state_snapshot_entries (snapshot_nid, state_key_nid, event_nid) VALUES (?, ?, ?)",
    ),
  };

  const keyCache = new Map<string, number>();
  const keyNames = new Map<number, { type: string; stateKey: string }>();
  const snapCache = new Map<number, StateMap>(); // insertion-ordered: a small LRU

  const remember = (nid: number, map: StateMap, fresh = false) => {
    // A snapshot created in a transaction that rolls back must not stay cached: its number may be reused.
    if (fresh) db.onRollback(() => snapCache.delete(nid));
    snapCache.delete(nid);
    snapCache.set(nid, map);
    if (snapCache.size > CACHE_SNAPSHOTS) snapCache.delete(snapCache.keys().next().value!);
  };

  const meta = (nid: number): SnapshotRow => {
    const row = q.snapshot.get(nid);
    if (!row) throw new Error(`state snapshot ${nid} does not exist`);
    return row;
  };

  const load = (nid: number): StateMap => {
    const cached = snapCache.get(nid);
    if (cached) {
      remember(nid, cached);
      return cached;
    }
    // Walk up to the nearest full (or cached) snapshot, then apply the deltas downwards.
    const chain: number[] = [];
    let base: Map<number, number> | null = null;
    let cur: number | null = nid;
    while (cur !== null) {
      const hit = snapCache.get(cur);
      if (hit) {
        base = new Map(hit);
        break;
      }
      chain.push(cur);
      cur = meta(cur).parent_nid;
    }
    const map = base ?? new Map<number, number>();
    for (let i = chain.length - 1; i >= 0; i--) {
      for (const e of q.entries.all(chain[i]!)) {
        if (e.event_nid === 0) map.delete(e.state_key_nid);
        else map.set(e.state_key_nid, e.event_nid);
      }
    }
    remember(nid, map);
    return map;
  };

  const insert = (
    roomNid: number,
    parent: number | null,
    seq: number,
    full: StateMap,
    rows: Iterable<[number, number]>,
    hash: bigint,
  ): number => {
    const blob = toBlob(hash);
    const existing = q.byHash.get(roomNid, blob);
    if (existing) return existing.snapshot_nid;
    const nid = q.insertSnapshot.get(roomNid, parent, seq, full.size, blob)!.snapshot_nid;
    for (const [k, e] of rows) q.insertEntry.run(nid, k, e);
    remember(nid, full, true);
    return nid;
  };

  const hashOf = (full: StateMap): bigint => {
    let h = 0n;
    for (const [k, e] of full) h = (h + entryHash(k, e)) % MOD;
    return h;
  };

  const derive = (roomNid: number, parent: number | null, changes: ReadonlyMap<number, number>): number => {
    if (parent === null) {
      const full = new Map<number, number>();
      for (const [k, e] of changes) if (e !== 0) full.set(k, e);
      return insert(roomNid, null, 0, full, full, hashOf(full));
    }
    const before = load(parent);
    const pm = meta(parent);
    let h = fromBlob(pm.content_hash);
    const full = new Map(before);
    const effective = new Map<number, number>();
    for (const [k, e] of changes) {
      const old = before.get(k);
      if ((old ?? 0) === e) continue;
      if (old !== undefined) h = (h - entryHash(k, old) + MOD) % MOD;
      if (e !== 0) {
        h = (h + entryHash(k, e)) % MOD;
        full.set(k, e);
      } else full.delete(k);
      effective.set(k, e);
    }
    if (effective.size === 0) return parent;
    const existing = q.byHash.get(roomNid, toBlob(h));
    if (existing) return existing.snapshot_nid;

    const seq = pm.seq + 1;
    if (seq >= MAX_SEQ) return insert(roomNid, null, 0, full, full, h);
    // The delta base: the ancestor at seq & (seq - 1). The parent's own chain of deltas leads there.
    const baseSeq = seq & (seq - 1);
    const gathered: number[] = [];
    let cur: number | null = parent;
    let curSeq = pm.seq;
    while (cur !== null && curSeq > baseSeq) {
      gathered.push(cur);
      const m: SnapshotRow = cur === parent ? pm : meta(cur);
      cur = m.parent_nid;
      curSeq = cur === null ? -1 : meta(cur).seq;
    }
    if (cur === null || curSeq !== baseSeq) {
      // Not on a regular lineage (e.g. reached through sharing): start a new one from a full copy.
      return insert(roomNid, null, 0, full, full, h);
    }
    const baseMap = load(cur);
    const delta = new Map<number, number>();
    for (const k of gathered.flatMap((g) => q.entries.all(g).map((e) => e.state_key_nid))) delta.set(k, 0);
    for (const k of effective.keys()) delta.set(k, 0);
    // Every key touched between the base and the new state: record its value now (0 = absent).
    const rows: [number, number][] = [];
    for (const k of delta.keys()) {
      const now = full.get(k) ?? 0;
      if ((baseMap.get(k) ?? 0) !== now) rows.push([k, now]);
    }
    if (rows.length * 2 > full.size) return insert(roomNid, null, 0, full, full, h);
    return insert(roomNid, cur, seq, full, rows, h);
  };

  return {
    internKey(type, stateKey) {
      const ck = `${type}\u0000${stateKey}`;
      const hit = keyCache.get(ck);
      if (hit !== undefined) return hit;
      let nid = q.selectKey.get(type, stateKey)?.state_key_nid;
      if (nid === undefined) {
        const created = q.insertKey.get(type, stateKey)!.state_key_nid;
        nid = created;
        db.onRollback(() => {
          keyCache.delete(ck);
          keyNames.delete(created);
        });
      }
      if (keyCache.size > CACHE_KEYS) keyCache.clear();
      keyCache.set(ck, nid);
      return nid;
    },
    lookupKey(type, stateKey) {
      const hit = keyCache.get(`${type}\u0000${stateKey}`);
      if (hit !== undefined) return hit;
      return q.selectKey.get(type, stateKey)?.state_key_nid ?? null;
    },
    keyOf(nid) {
      const hit = keyNames.get(nid);
      if (hit) return hit;
      const row = q.keyOf.get(nid);
      if (!row) throw new Error(`state key ${nid} does not exist`);
      const v = { type: row.type, stateKey: row.state_key };
      if (keyNames.size > CACHE_KEYS) keyNames.clear();
      keyNames.set(nid, v);
      return v;
    },
    load,
    derive,
    store(roomNid, full, near) {
      if (near === null || near === undefined) return insert(roomNid, null, 0, full, full, hashOf(full));
      const base = load(near);
      const changes = new Map<number, number>();
      for (const [k, e] of full) if (base.get(k) !== e) changes.set(k, e);
      for (const k of base.keys()) if (!full.has(k)) changes.set(k, 0);
      return derive(roomNid, near, changes);
    },
    forget(snapshotNids) {
      for (const nid of snapshotNids) snapCache.delete(nid);
    },
  };
}
