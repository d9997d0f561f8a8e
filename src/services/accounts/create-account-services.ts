/**
 * Builds the account-related services on one database (called by src/server.ts, the composition
 * root, so that its own wiring stays one line).
 */
import type { Config } from "../../config/schema";
import type { Db } from "../../storage/db";
import { createAccessTokenRepo } from "../../storage/repos/access-tokens";
import { createAccountDataRepo } from "../../storage/repos/account-data";
import { createDeviceRepo } from "../../storage/repos/devices";
import { createFilterRepo } from "../../storage/repos/filters";
import { createRefreshTokenRepo } from "../../storage/repos/refresh-tokens";
import { createRegistrationTokenRepo } from "../../storage/repos/registration-tokens";
import { createUiaSessionRepo } from "../../storage/repos/uia-sessions";
import { createUserRepo } from "../../storage/repos/users";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { type AccountDataService, createAccountDataService } from "../account-data/account-data-service";
import { createSharedSecretRegistration, type SharedSecretRegistration } from "../admin/shared-secret-registration";
import { createDevicesService, type DevicesService } from "../devices/devices-service";
import { createFiltersService, type FiltersService } from "../filters/filters-service";
import { createProfileService, type ProfileService } from "../profile/profile-service";
import type { RateLimiter } from "../ratelimit/rate-limiter";
import { createUiaService, type UiaService } from "../uia/uia-service";
import { type AccountEvents, createAccountEvents } from "./account-events";
import { type AccountsService, createAccountsService } from "./accounts-service";
import { createLoginService, type LoginService } from "./login";
import { argon2idHasher } from "./passwords";
import { createRegistrationService, type RegistrationService } from "./registration";
import { createRegistrationTokens } from "./registration-tokens";
import { createSessionIssuer, type SessionIssuer } from "./sessions";

/** How long a user-interactive auth session lives (and holds a pending use of a registration token). */
export const UIA_SESSION_LIFETIME_MS = 60 * 60 * 1000;

export interface AccountServices {
  accounts: AccountsService;
  sessions: SessionIssuer;
  accountEvents: AccountEvents;
  uia: UiaService;
  registration: RegistrationService;
  login: LoginService;
  devices: DevicesService;
  profile: ProfileService;
  accountData: AccountDataService;
  filters: FiltersService;
  sharedSecretRegistration: SharedSecretRegistration;
}

export function createAccountServices(deps: {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  rateLimiter: RateLimiter;
}): {
  services: AccountServices;
  /** For the auth service: records when and from where a device was last seen. */
  touchDevice(userId: string, deviceId: string, ip: string, ts: number): void;
  /** For the auth service: an access token from a rotated refresh token was used. */
  refreshTokenConfirmed(refreshTokenId: number): void;
} {
  const { db, config, clock, logger, rateLimiter } = deps;
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
  const uia = createUiaService({
    db,
    sessions: createUiaSessionRepo(db),
    accounts,
    rateLimiter,
    clock,
    sessionLifetimeMs: UIA_SESSION_LIFETIME_MS,
  });
  const services: AccountServices = {
    accounts,
    sessions,
    accountEvents,
    uia,
    registration: createRegistrationService({
      mode: config.registration.mode,
      guestAccess: config.registration.guest_access,
      accounts,
      sessions,
      uia,
      rateLimiter,
    }),
    login: createLoginService({ accounts, sessions, rateLimiter, hasher }),
    devices: createDevicesService({ db, devices, events: accountEvents }),
    profile: createProfileService({ users, events: accountEvents }),
    accountData: createAccountDataService({ repo: createAccountDataRepo(db), events: accountEvents }),
    filters: createFiltersService({ filters: createFilterRepo(db) }),
    sharedSecretRegistration: createSharedSecretRegistration({
      secret: config.registration.shared_secret,
      accounts,
      sessions,
      clock,
    }),
  };
  return {
    services,
    touchDevice: (userId, deviceId, ip, ts) => devices.updateLastSeen(userId, deviceId, ip, ts),
    refreshTokenConfirmed: (id) => sessions.confirmRefreshToken(id),
  };
}
