/**
 * The Services container: everything the API layer may call. Built only by src/server.ts.
 * The API layer imports types from here, never storage or net.
 */
import type { Config } from "../config/schema";
import type { Clock } from "../util/clock";
import type { Logger } from "../util/log";
import type { AccountEvents } from "./accounts/account-events";
import type { AccountsService } from "./accounts/accounts-service";
import type { SessionIssuer } from "./accounts/sessions";
import type { AuthService } from "./auth/auth-service";
import type { RateLimiter } from "./ratelimit/rate-limiter";

/** Who is making a request, resolved from the access token. */
export interface Requester {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  isAdmin: boolean;
  /** Hash of the access token used (to log out exactly this session). */
  tokenHash: Uint8Array;
}

export interface Services {
  config: Config;
  clock: Clock;
  logger: Logger;
  auth: AuthService;
  rateLimiter: RateLimiter;
  /** User accounts and registration tokens (also used by the operator CLI). */
  accounts: AccountsService;
  /** Issues and refreshes access tokens for devices. */
  sessions: SessionIssuer;
  /** Account changes other services subscribe to (profile, devices, deactivation, account data). */
  accountEvents: AccountEvents;
  /** Version string and commit, for /version endpoints. */
  build: { version: string; commit: string };
}
