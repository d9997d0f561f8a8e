/**
 * Keeps the full-text index in step with the events table. The index is filled after each commit
 * (never inside the room writer's transaction), in event_nid order from a high-water mark stored with
 * it, in one transaction per batch: an event committed just before a crash is indexed at the next
 * start, and nothing is indexed twice or skipped.
 *
 * What is indexed (client-server API, "Server Side Search", room_events): `content.body` of
 * m.room.message, `content.name` of m.room.name, `content.topic` of m.room.topic (with the text/plain
 * `m.topic` representations). Not indexed: events in a room that was end-to-end encrypted when they
 * were sent (an encrypted message has no text here anyway), redacted, rejected, soft-failed and outlier
 * events. A redaction takes its target out of the index.
 */
import type { Db } from "../../storage/db";
import type { StoredEvent } from "../../storage/repos/events";
import type { SearchColumn, SearchRepo } from "../../storage/repos/search";
import type { Logger } from "../../util/log";
import type { EventStore } from "../rooms/event-store";

/** The event types that are searched, and the search key (`keys`) of each. */
export const SEARCHED_TYPES: Readonly<Record<string, { key: string; column: SearchColumn }>> = {
  "m.room.message": { key: "content.body", column: "body" },
  "m.room.name": { key: "content.name", column: "name" },
  "m.room.topic": { key: "content.topic", column: "topic" },
};

/** Longest text indexed per event (longer bodies are indexed up to here). */
export const MAX_INDEXED_CHARS = 65_536;

export interface SearchIndexer {
  /** Indexes up to `max` events past the mark; returns how many were looked at (0: up to date). */
  indexPending(max?: number): number;
  /** The text an event contributes to the index, or null when it is not searched. */
  textOf(type: string, stateKey: string | null, content: Record<string, unknown>): string | null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

function topicText(content: Record<string, unknown>): string | null {
  const parts: string[] = [];
  const plain = str(content.topic);
  if (plain) parts.push(plain);
  const block = content["m.topic"];
  const texts =
    block && typeof block === "object" && !Array.isArray(block) ? (block as Record<string, unknown>)["m.text"] : null;
  if (Array.isArray(texts)) {
    for (const t of texts) {
      if (!t || typeof t !== "object") continue;
      const { mimetype, body } = t as Record<string, unknown>;
      const b = str(body);
      if (b && (mimetype === undefined || mimetype === "text/plain") && !parts.includes(b)) parts.push(b);
    }
  }
  return parts.length ? parts.join("\n") : null;
}

export function createSearchIndexer(deps: {
  db: Db;
  repo: SearchRepo;
  store: Pick<EventStore, "fromStored" | "stateView">;
  logger: Logger;
}): SearchIndexer {
  const { db, repo, store } = deps;

  const textOf = (type: string, stateKey: string | null, content: Record<string, unknown>): string | null => {
    let text: string | null = null;
    if (type === "m.room.message") text = stateKey === null ? str(content.body) : null;
    else if (type === "m.room.name") text = stateKey === "" ? str(content.name) : null;
    else if (type === "m.room.topic") text = stateKey === "" ? topicText(content) : null;
    return text === null ? null : text.slice(0, MAX_INDEXED_CHARS);
  };

  const indexOne = (e: StoredEvent) => {
    if (e.outlier || e.rejectedReason !== null || e.softFailed || e.streamOrdering === null) return;
    if (e.type === "m.room.redaction") {
      const target = store.fromStored(e).event.redacts;
      // Only a redaction that took effect (the writer marked its target) removes the target.
      const nid = target ? repo.redactedNid(target) : null;
      if (nid !== null) repo.remove(nid);
      return;
    }
    const searched = SEARCHED_TYPES[e.type];
    if (!searched || e.redactedBy !== null) return;
    let content: Record<string, unknown>;
    try {
      const pdu = JSON.parse(e.json) as { content?: unknown };
      if (!pdu.content || typeof pdu.content !== "object" || Array.isArray(pdu.content)) return;
      content = pdu.content as Record<string, unknown>;
    } catch {
      return;
    }
    const text = textOf(e.type, e.stateKey, content);
    if (text === null) return;
    if (store.stateView(e.stateBeforeNid).get("m.room.encryption", "")) return;
    repo.insert({
      eventNid: e.eventNid,
      roomNid: e.roomNid,
      sender: e.sender,
      type: e.type,
      streamOrdering: e.streamOrdering,
      column: searched.column,
      text,
    });
  };

  return {
    textOf,
    indexPending(max = 1000) {
      let looked = 0;
      while (looked < max) {
        const batch = repo.eventsAfter(repo.indexedUpTo(), Math.min(500, max - looked));
        if (batch.length === 0) break;
        db.tx(() => {
          for (const e of batch) {
            try {
              indexOne(e);
            } catch (err) {
              // One unreadable event must not stop the index for good.
              deps.logger.warn("search: event not indexed", {
                eventId: e.eventId,
                error: err instanceof Error ? err.message : String(err),
              });
            }
          }
          repo.setIndexedUpTo(batch.at(-1)!.eventNid);
        });
        looked += batch.length;
      }
      return looked;
    },
  };
}
