/**
 * One timer for many deadlines (typing expiry, presence idle and offline): it is set for the
 * earliest deadline only, and the owner's `onDue` re-checks everything against the injected clock
 * and says when the next deadline is. No periodic polling: with nothing pending, no timer runs.
 */
import type { Clock } from "../../util/clock";

export interface DeadlineTimer {
  /** Makes sure the timer fires no later than `at` (clock time, ms). */
  schedule(at: number): void;
  stop(): void;
}

const MAX_DELAY_MS = 2 ** 31 - 1;

/** `onDue` handles what is due at `now` and returns the next deadline, or null when none. */
export function createDeadlineTimer(clock: Clock, onDue: (now: number) => number | null): DeadlineTimer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let due: number | null = null;
  let stopped = false;

  const arm = (at: number) => {
    if (stopped) return;
    if (timer !== null && due !== null && due <= at) return;
    if (timer !== null) clearTimeout(timer);
    due = at;
    // setTimeout fires at once for delays beyond 2^31 - 1 ms: wake earlier and re-check instead.
    timer = setTimeout(fire, Math.min(MAX_DELAY_MS, Math.max(0, at - clock.now())));
    (timer as { unref?: () => void }).unref?.();
  };
  const fire = () => {
    timer = null;
    due = null;
    const next = onDue(clock.now());
    if (next !== null) arm(next);
  };
  return {
    schedule: arm,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
