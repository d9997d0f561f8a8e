/** Builds the account services on a fresh migrated in-memory database with a manual clock. */
import { parseConfig } from "../../../src/config/load";
import { createAccountServices } from "../../../src/services/accounts/create-account-services";
import { createRateLimiter } from "../../../src/services/ratelimit/rate-limiter";
import { openDb } from "../../../src/storage/db";
import { migrate } from "../../../src/storage/migrate";
import { manualClock } from "../../../src/util/clock";
import { silentLogger } from "../../../src/util/log";

export function accountHarness(config: Record<string, unknown> = {}, limits = { login: 1000, register: 1000 }) {
  const db = openDb(":memory:");
  const clock = manualClock();
  migrate(db, undefined, clock.now());
  const cfg = parseConfig({
    server_name: "hs1.test",
    public_base_url: "https://hs1.test",
    auth: { argon2_memory_kib: 1024, argon2_iterations: 1 },
    ...config,
  });
  const rateLimiter = createRateLimiter({ enabled: true, perMinute: limits }, clock);
  const built = createAccountServices({ db, config: cfg, clock, logger: silentLogger, rateLimiter });
  return { db, clock, rateLimiter, ...built.services, touchDevice: built.touchDevice };
}
