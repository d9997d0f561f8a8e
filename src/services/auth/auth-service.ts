import { createHash } from "node:crypto";
import { MatrixError } from "../../core/errors";
import type { AccessTokenRepo } from "../../storage/repos/access-tokens";
import type { Clock } from "../../util/clock";
import type { Requester } from "../index";

export interface AuthService {
  /** Resolves an access token to its owner, or throws M_UNKNOWN_TOKEN (soft_logout when only expired). */
  authenticate(token: string, client: { ip: string; userAgent: string }): Requester;
}

export interface AuthDeps {
  tokens: AccessTokenRepo;
  clock: Clock;
  /** Called (at most once a minute per device) so devices show when and where they were last seen. */
  touchDevice?(userId: string, deviceId: string, ip: string, ts: number, userAgent?: string): void;
  /**
   * Called when an access token is used whose refresh token replaced an older one: the client has
   * the new pair, so the older refresh token can go (spec: "Refreshing access tokens").
   */
  refreshTokenConfirmed?(refreshTokenId: number): void;
}

export function hashToken(token: string): Uint8Array {
  return createHash("sha256").update(token).digest();
}

export function createAuthService(deps: AuthDeps): AuthService {
  const lastTouch = new Map<string, number>();
  return {
    authenticate(token, client) {
      const tokenHash = hashToken(token);
      const owner = deps.tokens.selectOwner(tokenHash);
      if (!owner || owner.deactivated) throw MatrixError.unknownToken(false);
      const now = deps.clock.now();
      if (owner.expiresAt !== null && owner.expiresAt <= now) {
        // An expired token that came with a refresh token: the client should refresh, not log in again.
        throw MatrixError.unknownToken(owner.refreshTokenId !== null, "Access token has expired");
      }
      if (owner.refreshHasPredecessor && owner.refreshTokenId !== null) {
        deps.refreshTokenConfirmed?.(owner.refreshTokenId);
      }
      if (deps.touchDevice) {
        const key = `${owner.userId}|${owner.deviceId}`;
        const last = lastTouch.get(key) ?? 0;
        if (now - last > 60_000) {
          lastTouch.set(key, now);
          deps.touchDevice(owner.userId, owner.deviceId, client.ip, now, client.userAgent);
        }
      }
      return {
        userId: owner.userId,
        deviceId: owner.deviceId,
        isGuest: owner.isGuest,
        isAdmin: owner.isAdmin,
        tokenHash,
      };
    },
  };
}
