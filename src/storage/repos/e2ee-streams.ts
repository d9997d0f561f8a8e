/** Heads of the e2ee streams (to_device, device_lists): positions handed out, never reused. */
import type { Db } from "../db";

export type E2eeStream = "to_device" | "device_lists";

export interface E2eeStreamRepo {
  /** The last position handed out (0 when none was). */
  head(stream: E2eeStream): number;
  /** Hands out `n` new positions and returns the first; they are first .. first + n - 1. Call inside a transaction. */
  allocate(stream: E2eeStream, n?: number): number;
}

export function createE2eeStreamRepo(db: Db): E2eeStreamRepo {
  const s = db.sqlite;
  const head = s.query<{ pos: number }, [string]>("SELECT pos FROM e2ee_stream_heads WHERE stream = ?");
  const bump = s.query<{ pos: number }, [number, string]>(
    "UPDATE e2ee_stream_heads SET pos = pos + ? WHERE stream = ? RETURNING pos",
  );
  return {
    head: (stream) => head.get(stream)?.pos ?? 0,
    allocate(stream, n = 1) {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`cannot allocate ${n} positions`);
      const last = bump.get(n, stream)!.pos;
      return last - n + 1;
    },
  };
}
