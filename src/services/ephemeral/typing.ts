/**
 * Typing notifications (client-server API, "Typing Notifications"). Kept in memory: who types in
 * which room and until when. Every change of a room's typing list takes a position in the typing
 * stream; positions are max(last + 1, clock.now()), so they keep growing across restarts (the
 * list itself is forgotten then, which is what a restart should do to typing).
 */
import { MatrixError } from "../../core/errors";
import type { Clock } from "../../util/clock";
import { createDeadlineTimer } from "./deadline-timer";

export interface TypingDeps {
  clock: Clock;
  /** Longest a typing notification lasts, whatever the client asks for. */
  maxTimeoutMs: number;
  /** Local users to wake when a room's typing list changes (its joined members). */
  localMembersOf(roomId: string): string[];
  isJoined(roomId: string, userId: string): boolean;
  notify(userIds: Iterable<string>): void;
  /** The user did something (presence: last active). */
  onActivity(userId: string): void;
}

export interface TypingService {
  /**
   * PUT /rooms/{roomId}/typing/{userId}: starts (for `timeoutMs`, capped) or stops the user's typing.
   * 403 for another user's typing or a room the user is not joined to.
   */
  setTyping(requester: string, roomId: string, userId: string, typing: boolean, timeoutMs?: number): void;
  /** A user left a room (or was removed): they stop typing there. */
  userLeft(roomId: string, userId: string): void;
  /** Users typing in a room now, and the position of the room's last typing change. */
  typingIn(roomId: string): { userIds: string[]; pos: number };
  /** The newest position of the typing stream. */
  position(): number;
  /** Clears typing notifications that have run out (the timer calls this; tests may too). */
  expire(): void;
  stop(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createTypingService(deps: TypingDeps): TypingService {
  const rooms = new Map<string, { users: Map<string, number>; pos: number }>();
  let last = 0;
  const nextPos = () => {
    last = Math.max(last + 1, deps.clock.now());
    return last;
  };

  const changed = (roomId: string, room: { pos: number }) => {
    room.pos = nextPos();
    deps.notify(deps.localMembersOf(roomId));
  };

  /** Removes run-out entries; returns the next expiry, or null. */
  const sweep = (now: number): number | null => {
    let next: number | null = null;
    for (const [roomId, room] of rooms) {
      let removed = false;
      for (const [user, until] of room.users) {
        if (until <= now) {
          room.users.delete(user);
          removed = true;
        } else if (next === null || until < next) next = until;
      }
      // A room whose list emptied keeps its entry: its position tells later syncs that typing stopped.
      if (removed) changed(roomId, room);
    }
    return next;
  };
  const timer = createDeadlineTimer(deps.clock, sweep);

  return {
    setTyping(requester, roomId, userId, typing, timeoutMs) {
      if (requester !== userId) throw MatrixError.forbidden("Cannot set the typing state of another user");
      if (!deps.isJoined(roomId, userId)) throw MatrixError.forbidden("You are not joined to this room");
      if (typing) deps.onActivity(userId);
      const now = deps.clock.now();
      let room = rooms.get(roomId);
      if (typing) {
        const until = now + Math.min(Math.max(0, timeoutMs ?? DEFAULT_TIMEOUT_MS), deps.maxTimeoutMs);
        if (!room) {
          room = { users: new Map(), pos: 0 };
          rooms.set(roomId, room);
        }
        const wasTyping = (room.users.get(userId) ?? 0) > now;
        room.users.set(userId, until);
        timer.schedule(until);
        // Refreshing a running notification changes nobody's view: no new position.
        if (!wasTyping) changed(roomId, room);
      } else if (room?.users.delete(userId)) {
        changed(roomId, room);
      }
    },
    userLeft(roomId, userId) {
      const room = rooms.get(roomId);
      if (room?.users.delete(userId)) changed(roomId, room);
    },
    typingIn(roomId) {
      const room = rooms.get(roomId);
      if (!room) return { userIds: [], pos: 0 };
      const now = deps.clock.now();
      const userIds = [...room.users].filter(([, until]) => until > now).map(([u]) => u);
      return { userIds, pos: room.pos };
    },
    position: () => last,
    expire() {
      const next = sweep(deps.clock.now());
      if (next !== null) timer.schedule(next);
    },
    stop: () => timer.stop(),
  };
}
