/**
 * The sync token (`since` / `next_batch`): one position per stream, written as
 * `s<events>_<account_data>_<receipts>_<typing>_<presence>_<to_device>_<device_lists>`.
 * Opaque to clients; parsed strictly (a malformed token is M_INVALID_PARAM, never a crash).
 */
import { MatrixError } from "../../core/errors";

export const STREAMS = ["events", "accountData", "receipts", "typing", "presence", "toDevice", "deviceLists"] as const;
export type StreamName = (typeof STREAMS)[number];
export type SyncToken = Record<StreamName, number>;

export const ZERO_TOKEN: SyncToken = Object.fromEntries(STREAMS.map((s) => [s, 0])) as SyncToken;

export function formatSyncToken(t: SyncToken): string {
  return `s${STREAMS.map((s) => t[s]).join("_")}`;
}

export function parseSyncToken(text: string): SyncToken {
  const m = /^s(\d{1,16}(?:_\d{1,16}){0,15})$/.exec(text);
  if (!m) throw MatrixError.invalidParam("Invalid sync token");
  const parts = m[1]!.split("_").map(Number);
  if (parts.length !== STREAMS.length || parts.some((n) => !Number.isSafeInteger(n))) {
    throw MatrixError.invalidParam("Invalid sync token");
  }
  return Object.fromEntries(STREAMS.map((s, i) => [s, parts[i]!])) as SyncToken;
}

/** True when `a` is at or past `b` in every stream. */
export function tokenCovers(a: SyncToken, b: SyncToken): boolean {
  return STREAMS.every((s) => a[s] >= b[s]);
}
