/**
 * matrix-js-sdk clients against a homeserver on a base URL (the program started by
 * binary-server.ts, usually): registration through the real UIA flow, clients that run
 * `startClient()` and live on /sync the way Element does, and waits with clear failure messages.
 * No tests here.
 */
import {
  ClientEvent,
  createClient,
  type ICreateClientOpts,
  type MatrixClient,
  MatrixError,
  type MatrixEvent,
  MatrixEventEvent,
  PendingEventOrdering,
  SyncState,
} from "matrix-js-sdk";
import { logger as sdkGlobalLogger } from "matrix-js-sdk/lib/logger";

/** A logger that drops everything (the SDK is chatty). */
export const quietLogger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => quietLogger,
};
// The SDK's module-level logger (message queue, crypto) is loglevel-based.
(sdkGlobalLogger as unknown as { setLevel?(level: string): void }).setLevel?.("silent");

/** Environment for the program: cheap argon2id so that registrations and logins take milliseconds. */
export const FAST_HASHING_ENV = {
  HEARTH_AUTH__ARGON2_MEMORY_KIB: "1024",
  HEARTH_AUTH__ARGON2_ITERATIONS: "1",
};

export interface SdkSession {
  userId: string;
  accessToken: string;
  deviceId: string;
}

/** Waits for a promise, failing with a clear message after `ms`. */
export async function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Re-checks `check` until it gives a value (not undefined/false/null), failing with `what` after `ms`.
 * The clients work in the background (their /sync loops), so this is how a test waits for what a
 * user would see; the check runs again after every processed sync of `client` and at short intervals.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 20_000,
  client?: MatrixClient,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        client?.off(ClientEvent.Sync, done);
        resolve();
      };
      const t = setTimeout(done, 25);
      client?.on(ClientEvent.Sync, done);
    });
  }
}

interface UiaBody {
  session?: string;
  flows?: { stages: string[] }[];
  completed?: string[];
}

/**
 * Registers `username` the way a client does: a first request without auth gets the 401 with the
 * flows, then each stage of the first flow is completed (m.login.registration_token with `token`,
 * m.login.dummy).
 */
export async function registerUser(
  baseUrl: string,
  username: string,
  password: string,
  opts: { token?: string; deviceId?: string; deviceName?: string } = {},
): Promise<SdkSession> {
  const client = createClient({ baseUrl, logger: quietLogger as ICreateClientOpts["logger"] });
  let auth: Record<string, unknown> | undefined;
  for (let round = 0; round < 5; round++) {
    try {
      const r = await client.registerRequest({
        username,
        password,
        ...(opts.deviceId ? ({ device_id: opts.deviceId } as object) : {}),
        initial_device_display_name: opts.deviceName ?? `${username}'s test client`,
        auth: auth as never,
      });
      return { userId: r.user_id, accessToken: r.access_token!, deviceId: r.device_id! };
    } catch (e) {
      if (!(e instanceof MatrixError) || e.httpStatus !== 401 || !e.data.flows) throw e;
      if (auth && e.errcode) throw e; // the stage we sent was refused
      const data = e.data as UiaBody;
      const next = data.flows![0]!.stages.find((s) => !(data.completed ?? []).includes(s));
      if (next === "m.login.registration_token") {
        if (!opts.token) throw new Error("registration needs a token");
        auth = { type: next, token: opts.token, session: data.session };
      } else if (next === "m.login.dummy") {
        auth = { type: next, session: data.session };
      } else {
        throw new Error(`registration asks for an unexpected stage ${next}`);
      }
    }
  }
  throw new Error("registration did not finish in 5 rounds");
}

/** Logs in with the password (a new device unless `deviceId`). */
export async function loginUser(
  baseUrl: string,
  username: string,
  password: string,
  deviceId?: string,
): Promise<SdkSession> {
  const client = createClient({ baseUrl, logger: quietLogger as ICreateClientOpts["logger"] });
  const r = await client.loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: username },
    password,
    ...(deviceId ? { device_id: deviceId } : {}),
  });
  return { userId: r.user_id, accessToken: r.access_token, deviceId: r.device_id };
}

/** One /sync answer as the client got it (for checks on what the server sent). */
export interface SyncRecord {
  since: string | null;
  body: {
    next_batch: string;
    to_device?: { events?: { type: string; sender: string }[] };
    rooms?: Record<
      string,
      Record<string, { timeline?: { events?: { event_id: string; type: string }[]; limited?: boolean } }>
    >;
  };
}

/** Every /sync answer each client got, by user ID (filled by clients made with `sdkClient`). */
export const syncLog = new Map<MatrixClient, SyncRecord[]>();

/**
 * Event IDs that one client was sent twice in the timelines of a room while it stayed joined (a
 * sync that repeats an event the previous syncs already delivered). Syncs after a leave or an
 * invite are a new start for the room (its timeline may legitimately overlap what was seen before).
 */
export function repeatedTimelineEvents(client: MatrixClient): string[] {
  const seen = new Map<string, Set<string>>();
  const repeated: string[] = [];
  for (const rec of syncLog.get(client) ?? []) {
    for (const section of ["leave", "invite"]) {
      for (const roomId of Object.keys(rec.body.rooms?.[section] ?? {})) seen.delete(roomId);
    }
    for (const [roomId, room] of Object.entries(rec.body.rooms?.join ?? {})) {
      const ids = seen.get(roomId) ?? new Set<string>();
      seen.set(roomId, ids);
      for (const ev of room.timeline?.events ?? []) {
        if (ids.has(ev.event_id)) repeated.push(`${roomId} ${ev.type} ${ev.event_id}`);
        ids.add(ev.event_id);
      }
    }
  }
  return repeated;
}

const syncGates = new Map<MatrixClient, { opened: Promise<void>; open: () => void }>();
/** Clients whose /sync request is on its way to the server or back (not held at a gate). */
const syncsInFlight = new Map<MatrixClient, number>();
/** Resolvers waiting for a client to be held at its gate. */
const heldWaiters = new Map<MatrixClient, (() => void)[]>();

/**
 * Holds the client's next /sync requests until `resumeSync` (a laptop asleep, a phone without
 * network): the client then syncs once from its old token, and gets a limited timeline when much
 * happened meanwhile.
 */
export function pauseSync(client: MatrixClient): void {
  if (syncGates.has(client)) return;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  syncGates.set(client, { opened, open });
}

/**
 * Resolves once the paused client has no /sync request out (the one it had when paused came back)
 * and is held at the gate: from then on nothing reaches it until `resumeSync`. Something the client
 * is woken by (its own account data, say) brings a long-polling request back at once.
 */
export function syncHeld(client: MatrixClient): Promise<void> {
  if (!syncGates.has(client)) throw new Error("syncHeld: the client is not paused");
  if ((syncsInFlight.get(client) ?? 0) === 0) return Promise.resolve();
  return new Promise((resolve) => heldWaiters.set(client, [...(heldWaiters.get(client) ?? []), resolve]));
}

export function resumeSync(client: MatrixClient): void {
  syncGates.get(client)?.open();
  syncGates.delete(client);
}

/** A client for the session, not started. */
export function sdkClient(baseUrl: string, s: SdkSession, extra: Partial<ICreateClientOpts> = {}): MatrixClient {
  const records: SyncRecord[] = [];
  const fetchFn: typeof fetch = Object.assign(
    async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const isSync = url.pathname.endsWith("/sync");
      if (!isSync) return fetch(input, init);
      const gate = syncGates.get(client);
      if (gate) {
        for (const resolve of heldWaiters.get(client) ?? []) resolve();
        heldWaiters.delete(client);
        await gate.opened;
      }
      syncsInFlight.set(client, (syncsInFlight.get(client) ?? 0) + 1);
      let res: Response;
      try {
        res = await fetch(input, init);
      } finally {
        syncsInFlight.set(client, (syncsInFlight.get(client) ?? 1) - 1);
      }
      if (res.ok) {
        const body = (await res.clone().json()) as SyncRecord["body"];
        records.push({ since: url.searchParams.get("since"), body });
      }
      return res;
    },
    { preconnect: fetch.preconnect },
  );
  const client = createClient({
    baseUrl,
    fetchFn,
    userId: s.userId,
    accessToken: s.accessToken,
    deviceId: s.deviceId,
    timelineSupport: true,
    logger: quietLogger as ICreateClientOpts["logger"],
    ...extra,
  });
  syncLog.set(client, records);
  return client;
}

/**
 * Starts the client as Element does (`startClient()`, /sync long-polling in the background), with the
 * Rust crypto stack first when `crypto`, and resolves once the first sync is processed (PREPARED).
 * A sync error before that fails with the error.
 */
export async function startSdkClient(
  baseUrl: string,
  s: SdkSession,
  opts: { crypto?: boolean; initialSyncLimit?: number; lazyLoadMembers?: boolean; threadSupport?: boolean } = {},
): Promise<MatrixClient> {
  const client = sdkClient(baseUrl, s);
  if (opts.crypto) await client.initRustCrypto({ useIndexedDB: false });
  const prepared = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState, _prev: SyncState | null, data?: { error?: Error }) => {
      if (state === SyncState.Prepared) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        client.off(ClientEvent.Sync, onSync);
        reject(new Error(`first sync of ${s.userId} failed: ${data?.error?.message ?? "unknown error"}`));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({
    initialSyncLimit: opts.initialSyncLimit ?? 20,
    // Element lazy-loads members (the first sync carries only the members the timeline needs).
    lazyLoadMembers: opts.lazyLoadMembers ?? true,
    // Element keeps its own unsent messages apart and shows each sent one where the server put it.
    pendingEventOrdering: PendingEventOrdering.Detached,
    // Element runs with threads on: threaded replies live in Thread objects, not the main timeline.
    threadSupport: opts.threadSupport ?? true,
  });
  await within(`the first sync of ${s.userId}`, prepared);
  return client;
}

/**
 * Records every sync error a client meets (state ERROR, or RECONNECTING after a failed request), so a
 * test can assert that a long-lived client never saw one.
 */
export function recordSyncErrors(client: MatrixClient): string[] {
  const errors: string[] = [];
  client.on(ClientEvent.Sync, (state, _prev, data) => {
    if (state === SyncState.Error || state === SyncState.Reconnecting) {
      errors.push(`${state}: ${data?.error?.message ?? "no error object"}`);
    }
  });
  return errors;
}

/** The event in the client's live timeline of the room, once it is there. */
export function timelineEvent(
  client: MatrixClient,
  roomId: string,
  eventId: string,
  ms = 20_000,
): Promise<MatrixEvent> {
  return until(
    `${eventId} in the live timeline of ${client.getUserId()} in ${roomId}`,
    () => client.getRoom(roomId)?.findEventById(eventId),
    ms,
    client,
  );
}

/** The decrypted content of an encrypted event (waits for the keys to arrive). */
export async function decryptedContent(
  client: MatrixClient,
  ev: MatrixEvent,
  ms = 20_000,
): Promise<Record<string, unknown>> {
  await client.decryptEventIfNeeded(ev);
  if (ev.isDecryptionFailure() || ev.isBeingDecrypted()) {
    await within(
      `decryption of ${ev.getId()} by ${client.getUserId()}`,
      new Promise<void>((resolve) => {
        const check = () => {
          if (!ev.isDecryptionFailure() && !ev.isBeingDecrypted()) {
            ev.off(MatrixEventEvent.Decrypted, check);
            resolve();
          }
        };
        ev.on(MatrixEventEvent.Decrypted, check);
        check();
      }),
      ms,
    );
  }
  return ev.getContent();
}

/**
 * What went wrong on the server's side, from its log: requests answered with a 5xx status and lines
 * logged at ERROR level. A client (the SDK) retries or hides many failures; this does not.
 */
export function serverProblems(log: string): string[] {
  return log.split("\n").filter((l) => / status=5\d\d\b/.test(l) || /^\S+ ERROR /.test(l));
}

/** Stops every client (their /sync loops) in the list. */
export function stopAll(clients: MatrixClient[]): void {
  for (const c of clients) c.stopClient();
}
