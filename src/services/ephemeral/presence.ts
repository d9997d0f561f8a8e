/**
 * Presence (client-server API, "Presence") of local users: online, unavailable or offline, a status
 * message, the last active time and `currently_active`.
 *
 * - Activity (sending an event, a receipt, typing, setting oneself online) sets the last active
 *   time, makes the user currently active, and brings an idle (unavailable) user back online.
 * - A /sync marks the user online unless it says `set_presence=offline` (or unavailable with
 *   `set_presence=unavailable`); an explicit unavailable stays until activity.
 * - Timeouts, all from the injected clock: `currently_active` ends after 60 s without activity; an
 *   online user idle for `idleTimeoutMs` becomes unavailable; a user with no /sync running for
 *   `offlineTimeoutMs` becomes offline.
 *
 * Live state is in memory; every change others can see (state, status message, currently_active)
 * is written to SQLite with a new position in the presence stream, so positions survive restarts
 * and the last state comes back. Refreshing the last active time of a user who is already
 * currently active takes no position (clients compute `last_active_ago` as time passes), so a busy
 * user does not flood everyone's /sync.
 */
import { MatrixError } from "../../core/errors";
import type { PresenceRepo, PresenceRow, PresenceState } from "../../storage/repos/presence";
import type { Clock } from "../../util/clock";
import { createDeadlineTimer } from "./deadline-timer";

export type { PresenceState };

/** How long after the last activity a user counts as currently active. */
export const ACTIVE_WINDOW_MS = 60_000;

export interface PresenceDeps {
  clock: Clock;
  repo: PresenceRepo;
  enabled: boolean;
  idleTimeoutMs: number;
  offlineTimeoutMs: number;
  /** Local users who share a room with the user (joined), to be woken when their presence changes. */
  roomMatesOf(userId: string): string[];
  shareARoom(a: string, b: string): boolean;
  /** True for a local user who exists. */
  userExists(userId: string): boolean;
  notify(userIds: Iterable<string>): void;
}

/** The m.presence content for a user, as others see it now. */
export interface PresenceContent {
  presence: PresenceState;
  last_active_ago?: number;
  currently_active?: boolean;
  status_msg?: string;
}

export interface PresenceService {
  readonly enabled: boolean;
  /** PUT /presence/{userId}/status (403 for another user). `statusMsg` undefined clears the message. */
  setPresence(requester: string, userId: string, state: PresenceState, statusMsg?: string | null): void;
  /** GET /presence/{userId}/status: 404 for an unknown user, 403 when they share no room with the requester. */
  getPresence(requester: string, userId: string): PresenceContent;
  /** The user's presence now (offline when nothing is known). */
  presenceOf(userId: string): PresenceContent;
  /** The user did something (sent an event, a receipt, typed). */
  active(userId: string): void;
  /** A /sync began; call the returned function when it ends. */
  syncStarted(userId: string, setPresence: PresenceState | undefined): () => void;
  /** Users whose presence changed with a position in (from, to]. */
  changedIn(from: number, to: number): { userId: string; pos: number }[];
  /** Every user with a known presence, and its position. */
  known(): { userId: string; pos: number }[];
  position(): number;
  /** Applies the timeouts that are due (the timer calls this; tests may too). */
  checkTimeouts(): void;
  stop(): void;
}

interface Live extends PresenceRow {
  /** /sync requests running now. */
  syncing: number;
  /** When the last /sync ended (or began, while one runs). */
  lastSyncTs: number;
}

export function createPresenceService(deps: PresenceDeps): PresenceService {
  const users = new Map<string, Live>();
  let last = 0;
  if (deps.enabled) {
    // After a restart, clients get the offline timeout to come back before they show as offline.
    const now = deps.clock.now();
    for (const row of deps.repo.all()) users.set(row.userId, { ...row, syncing: 0, lastSyncTs: now });
    last = deps.repo.maxPosition();
  }

  const liveOf = (userId: string): Live => {
    let u = users.get(userId);
    if (!u) {
      u = {
        userId,
        state: "offline",
        statusMsg: null,
        lastActiveTs: 0,
        currentlyActive: false,
        streamPos: 0,
        syncing: 0,
        lastSyncTs: deps.clock.now(),
      };
      users.set(userId, u);
    }
    return u;
  };

  /** Stores a visible change with a new position and wakes the user and their room mates. */
  const publish = (u: Live) => {
    u.streamPos = deps.repo.upsert({
      userId: u.userId,
      state: u.state,
      statusMsg: u.statusMsg,
      lastActiveTs: u.lastActiveTs,
      currentlyActive: u.currentlyActive,
    });
    last = Math.max(last, u.streamPos);
    deps.notify([u.userId, ...deps.roomMatesOf(u.userId)]);
    scheduleFor(u);
  };
  const scheduleFor = (u: Live) => {
    const d = nextDeadline(u);
    if (d !== null) timer.schedule(d);
  };

  const nextDeadline = (u: Live): number | null => {
    const ds: number[] = [];
    if (u.state === "online" && u.currentlyActive) ds.push(u.lastActiveTs + ACTIVE_WINDOW_MS);
    if (u.state === "online") ds.push(Math.max(u.lastActiveTs, 0) + deps.idleTimeoutMs);
    if (u.state !== "offline" && u.syncing === 0) ds.push(u.lastSyncTs + deps.offlineTimeoutMs);
    return ds.length ? Math.min(...ds) : null;
  };

  /** Applies due timeouts to one user; true when something visible changed. */
  const applyTimeouts = (u: Live, now: number): boolean => {
    let changed = false;
    if (u.state !== "offline" && u.syncing === 0 && now - u.lastSyncTs >= deps.offlineTimeoutMs) {
      u.state = "offline";
      u.currentlyActive = false;
      changed = true;
    }
    if (u.state === "online" && now - u.lastActiveTs >= deps.idleTimeoutMs) {
      u.state = "unavailable";
      u.currentlyActive = false;
      changed = true;
    }
    if (u.currentlyActive && now - u.lastActiveTs >= ACTIVE_WINDOW_MS) {
      u.currentlyActive = false;
      changed = true;
    }
    return changed;
  };

  const sweep = (now: number): number | null => {
    let next: number | null = null;
    for (const u of users.values()) {
      if (applyTimeouts(u, now)) publish(u);
      const d = nextDeadline(u);
      if (d !== null && (next === null || d < next)) next = d;
    }
    return next;
  };
  const timer = createDeadlineTimer(deps.clock, sweep);
  if (deps.enabled && users.size > 0) timer.schedule(deps.clock.now() + deps.offlineTimeoutMs);

  const markActive = (u: Live, now: number): boolean => {
    const wasActive = u.currentlyActive && u.state === "online";
    u.lastActiveTs = now;
    let changed = false;
    if (u.state === "unavailable") {
      u.state = "online";
      changed = true;
    }
    if (u.state === "online" && !wasActive) {
      u.currentlyActive = true;
      changed = true;
    }
    return changed;
  };

  const presenceOf = (userId: string): PresenceContent => {
    const u = users.get(userId);
    if (!deps.enabled || !u) return { presence: "offline" };
    const now = deps.clock.now();
    if (applyTimeouts(u, now)) publish(u);
    const out: PresenceContent = { presence: u.state };
    if (u.lastActiveTs > 0) out.last_active_ago = Math.max(0, now - u.lastActiveTs);
    if (u.state === "online") out.currently_active = u.currentlyActive;
    if (u.statusMsg !== null) out.status_msg = u.statusMsg;
    return out;
  };

  return {
    enabled: deps.enabled,
    setPresence(requester, userId, state, statusMsg) {
      if (requester !== userId) throw MatrixError.forbidden("Cannot set the presence of another user");
      if (!deps.enabled) return;
      const u = liveOf(userId);
      const now = deps.clock.now();
      const before = `${u.state}|${u.statusMsg}|${u.currentlyActive}`;
      u.statusMsg = statusMsg ?? null;
      u.state = state;
      if (state === "online") {
        u.lastActiveTs = now;
        u.currentlyActive = true;
      } else u.currentlyActive = false;
      // Someone who says they are here is not about to time out for want of a /sync.
      if (state !== "offline") u.lastSyncTs = Math.max(u.lastSyncTs, now);
      if (`${u.state}|${u.statusMsg}|${u.currentlyActive}` !== before || u.streamPos === 0) publish(u);
    },
    getPresence(requester, userId) {
      if (!deps.userExists(userId)) throw MatrixError.notFound("No presence for this user");
      if (requester !== userId && !deps.shareARoom(requester, userId)) {
        throw MatrixError.forbidden("You are not allowed to see their presence");
      }
      return presenceOf(userId);
    },
    presenceOf,
    active(userId) {
      if (!deps.enabled) return;
      const u = liveOf(userId);
      if (markActive(u, deps.clock.now())) publish(u);
      else scheduleFor(u);
    },
    syncStarted(userId, setPresence) {
      if (!deps.enabled || setPresence === "offline") return () => {};
      const u = liveOf(userId);
      const now = deps.clock.now();
      u.syncing++;
      u.lastSyncTs = now;
      let changed = false;
      if (setPresence === "unavailable") {
        if (u.state !== "unavailable") {
          u.state = "unavailable";
          u.currentlyActive = false;
          changed = true;
        }
      } else if (u.state === "offline") {
        u.state = "online";
        u.lastActiveTs = now;
        u.currentlyActive = true;
        changed = true;
      }
      if (changed) publish(u);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        u.syncing--;
        u.lastSyncTs = deps.clock.now();
        scheduleFor(u);
      };
    },
    changedIn(from, to) {
      const out: { userId: string; pos: number }[] = [];
      for (const u of users.values())
        if (u.streamPos > from && u.streamPos <= to) out.push({ userId: u.userId, pos: u.streamPos });
      return out;
    },
    known: () =>
      [...users.values()].filter((u) => u.streamPos > 0).map((u) => ({ userId: u.userId, pos: u.streamPos })),
    position: () => last,
    checkTimeouts() {
      const next = sweep(deps.clock.now());
      if (next !== null) timer.schedule(next);
    },
    stop: () => timer.stop(),
  };
}
