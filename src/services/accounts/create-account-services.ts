/**
 * Builds the account-related services on one database (called by src/server.ts, the composition
 * root, so that its own wiring stays one line).
 */
import type { Config } from "../../config/schema";
import type { Db } from "../../storage/db";
import { createAccessTokenRepo } from "../../storage/repos/access-tokens";
import { createDeviceRepo } from "../../storage/repos/devices";
import { createRefreshTokenRepo } from "../../storage/repos/refresh-tokens";
import { createRegistrationTokenRepo } from "../../storage/repos/registration-tokens";
import { createUserRepo } from "../../storage/repos/users";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { type AccountEvents, createAccountEvents } from "./account-events";
import { type AccountsService, createAccountsService } from "./accounts-service";
import { argon2idHasher } from "./passwords";
import { createRegistrationTokens } from "./registration-tokens";
import { createSessionIssuer, type SessionIssuer } from "./sessions";

/** How long a user-interactive auth session lives (and holds a pending use of a registration token). */
export const UIA_SESSION_LIFETIME_MS = 60 * 60 * 1000;

export interface AccountServices {
  accounts: AccountsService;
  sessions: SessionIssuer;
  accountEvents: AccountEvents;
}

export function createAccountServices(deps: { db: Db; config: Config; clock: Clock; logger: Logger }): {
  services: AccountServices;
  /** For the auth service: records when and from where a device was last seen. */
  touchDevice(userId: string, deviceId: string, ip: string, ts: number): void;
} {
  const { db, config, clock, logger } = deps;
  const users = createUserRepo(db);
  const devices = createDeviceRepo(db);
  const accessTokens = createAccessTokenRepo(db);
  const refreshTokens = createRefreshTokenRepo(db);
  const accountEvents = createAccountEvents(logger);
  const hasher = argon2idHasher({
    memoryCost: config.auth.argon2_memory_kib,
    timeCost: config.auth.argon2_iterations,
  });
  const tokens = createRegistrationTokens({
    repo: createRegistrationTokenRepo(db),
    clock,
    uiaSessionLifetimeMs: UIA_SESSION_LIFETIME_MS,
  });
  const accounts = createAccountsService({
    serverName: config.server_name,
    db,
    users,
    devices,
    clock,
    hasher,
    events: accountEvents,
    tokens,
    minPasswordLength: config.registration.min_password_length,
  });
  const sessions = createSessionIssuer({
    db,
    users,
    devices,
    accessTokens,
    refreshTokens,
    clock,
    events: accountEvents,
    refreshTokensEnabled: config.auth.refresh_tokens,
    accessTokenLifetimeMs: config.auth.access_token_lifetime_ms,
  });
  return {
    services: { accounts, sessions, accountEvents },
    touchDevice: (userId, deviceId, ip, ts) => devices.updateLastSeen(userId, deviceId, ip, ts),
  };
}
