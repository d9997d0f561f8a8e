/**
 * Receipts in /sync: one m.receipt event per joined room in `ephemeral`, with the receipts that
 * changed since the token (all of them for rooms synced in full). m.read.private receipts reach
 * only their owner; receipts of ignored users are left out.
 */
import type { ReceiptRow } from "../../../storage/repos/receipts";
import type { ReceiptsService } from "../../ephemeral/receipts";
import type { StreamProvider } from "./types";

export function createReceiptsProvider(receipts: ReceiptsService): StreamProvider {
  return {
    name: "receipts",
    positions: () => ({ receipts: receipts.position() }),
    sync(pass) {
      const filter = pass.req.filter.room.ephemeral;
      if (!filter.matches({ type: "m.receipt" })) return;
      const since = pass.req.since?.receipts ?? null;
      if (since !== null && since >= pass.to.receipts && pass.completeRooms.size === 0) return;
      const full: number[] = [];
      const partial: number[] = [];
      const idOf = new Map<number, string>();
      for (const [roomId, room] of pass.joinedRooms) {
        if (!filter.matchesRoom(roomId)) continue;
        idOf.set(room.roomNid, roomId);
        (since === null || pass.completeRooms.has(roomId) ? full : partial).push(room.roomNid);
      }
      const rows = [
        ...receipts.receiptsInRooms(pass.req.userId, full, null, pass.to.receipts),
        ...(since === null ? [] : receipts.receiptsInRooms(pass.req.userId, partial, since, pass.to.receipts)),
      ];
      const byRoom = new Map<number, ReceiptRow[]>();
      for (const r of rows) {
        if (pass.ignored.has(r.userId)) continue;
        const list = byRoom.get(r.roomNid) ?? [];
        list.push(r);
        byRoom.set(r.roomNid, list);
      }
      for (const [roomNid, list] of byRoom) {
        const content: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
        for (const r of list) {
          const forEvent = content[r.eventId] ?? {};
          content[r.eventId] = forEvent;
          const forType = forEvent[r.receiptType] ?? {};
          forEvent[r.receiptType] = forType;
          forType[r.userId] = r.threadId === "" ? { ts: r.ts } : { ts: r.ts, thread_id: r.threadId };
        }
        const events = pass.joined(idOf.get(roomNid)!).ephemeral.events;
        if (filter.limit === undefined || events.length < filter.limit) events.push({ type: "m.receipt", content });
      }
    },
  };
}
