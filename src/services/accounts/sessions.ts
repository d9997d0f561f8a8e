/**
 * Issues access tokens (and optionally refresh tokens) for a device, and rotates refresh tokens.
 * Tokens are 256-bit random values; only their SHA-256 hashes are stored.
 */
import { MatrixError } from "../../core/errors";
import type { Db } from "../../storage/db";
import type { AccessTokenRepo } from "../../storage/repos/access-tokens";
import type { DeviceRepo } from "../../storage/repos/devices";
import type { RefreshTokenRepo } from "../../storage/repos/refresh-tokens";
import type { UserRepo } from "../../storage/repos/users";
import type { Clock } from "../../util/clock";
import { randomToken, randomUpper } from "../../util/random";
import { hashToken } from "../auth/auth-service";
import type { AccountEvents } from "./account-events";

export interface IssuedSession {
  userId: string;
  deviceId: string;
  accessToken: string;
  refreshToken?: string;
  /** Lifetime of the access token; only set when a refresh token was issued. */
  expiresInMs?: number;
}

export interface SessionIssuer {
  /**
   * Creates the device if it does not exist (with `displayName`), or else invalidates the tokens it
   * had (spec: "Relationship between access tokens and devices"); then issues a new access token.
   */
  issue(
    userId: string,
    opts: { deviceId?: string | undefined; displayName?: string | undefined; refreshToken?: boolean | undefined },
  ): IssuedSession;
  /** Exchanges a refresh token for a new pair; the old refresh token and its access tokens stop working. */
  refresh(refreshToken: string): IssuedSession;
}

export interface SessionDeps {
  db: Db;
  users: UserRepo;
  devices: DeviceRepo;
  accessTokens: AccessTokenRepo;
  refreshTokens: RefreshTokenRepo;
  clock: Clock;
  events: AccountEvents;
  /** Whether refresh tokens are issued at all (config.auth.refresh_tokens). */
  refreshTokensEnabled: boolean;
  accessTokenLifetimeMs: number;
}

export function newDeviceId(): string {
  return randomUpper(10);
}

export function createSessionIssuer(deps: SessionDeps): SessionIssuer {
  const mint = (userId: string, deviceId: string, withRefresh: boolean, now: number): IssuedSession => {
    const accessToken = randomToken();
    let refreshToken: string | undefined;
    let refreshTokenId: number | null = null;
    if (withRefresh) {
      refreshToken = randomToken();
      refreshTokenId = deps.refreshTokens.insert({
        tokenHash: hashToken(refreshToken),
        userId,
        deviceId,
        createdAt: now,
      });
    }
    const expiresAt = withRefresh ? now + deps.accessTokenLifetimeMs : null;
    deps.accessTokens.insert({
      tokenHash: hashToken(accessToken),
      userId,
      deviceId,
      createdAt: now,
      expiresAt,
      refreshTokenId,
    });
    return {
      userId,
      deviceId,
      accessToken,
      ...(refreshToken ? { refreshToken, expiresInMs: deps.accessTokenLifetimeMs } : {}),
    };
  };

  return {
    issue(userId, opts) {
      const now = deps.clock.now();
      const withRefresh = deps.refreshTokensEnabled && opts.refreshToken === true;
      let created = false;
      const out = deps.db.tx(() => {
        let deviceId = opts.deviceId;
        if (deviceId === undefined) {
          // Collisions among 26^10 IDs are unlikely, but the insert tells us, so retry.
          do deviceId = newDeviceId();
          while (
            deps.devices.insert({ userId, deviceId, displayName: opts.displayName ?? null, createdAt: now }) !== "ok"
          );
          created = true;
        } else if (
          deps.devices.insert({ userId, deviceId, displayName: opts.displayName ?? null, createdAt: now }) === "ok"
        ) {
          created = true;
        } else {
          deps.accessTokens.deleteByDevice(userId, deviceId);
          deps.refreshTokens.deleteByDevice(userId, deviceId);
        }
        return mint(userId, deviceId, withRefresh, now);
      });
      if (created) deps.events.emit("deviceCreated", { userId, deviceId: out.deviceId });
      return out;
    },
    refresh(refreshToken) {
      const now = deps.clock.now();
      return deps.db.tx(() => {
        const rec = deps.refreshTokens.selectByHash(hashToken(refreshToken));
        const user = rec ? deps.users.select(rec.userId) : null;
        if (!rec || !user || user.deactivated) throw MatrixError.unknownToken(false, "Unknown refresh token");
        deps.refreshTokens.delete(rec.id); // its access tokens cascade
        return mint(rec.userId, rec.deviceId, true, now);
      });
    },
  };
}
