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
  /**
   * Exchanges a refresh token for a new pair. The old access token stops working at once; the old
   * refresh token keeps working (replacing the pair it gave last time) until the new pair is used.
   */
  refresh(refreshToken: string): IssuedSession;
  /** The refresh token `id` (or an access token issued with it) was used: drop the one it replaced. */
  confirmRefreshToken(id: number): void;
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
  const mint = (
    userId: string,
    deviceId: string,
    withRefresh: boolean,
    now: number,
  ): { session: IssuedSession; refreshTokenId: number | null } => {
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
      session: {
        userId,
        deviceId,
        accessToken,
        ...(refreshToken ? { refreshToken, expiresInMs: deps.accessTokenLifetimeMs } : {}),
      },
      refreshTokenId,
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
        return mint(userId, deviceId, withRefresh, now).session;
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
        // Using this token proves the client has it, so the one it replaced can go.
        deps.refreshTokens.deletePredecessor(rec.id);
        // A pair handed out earlier for this token never reached the client (or it would have used it
        // and this token would be gone): withdraw it. Its access tokens cascade.
        if (rec.nextTokenId !== null) deps.refreshTokens.delete(rec.nextTokenId);
        deps.accessTokens.deleteByRefreshToken(rec.id);
        const out = mint(rec.userId, rec.deviceId, true, now);
        deps.refreshTokens.setNext(rec.id, out.refreshTokenId!);
        return out.session;
      });
    },
    confirmRefreshToken(id) {
      deps.refreshTokens.deletePredecessor(id);
    },
  };
}
