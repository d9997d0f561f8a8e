/**
 * TURN credentials for calls (client-server API, "Voice over IP", GET /voip/turnServer). With coturn's
 * shared secret (use-auth-secret, its "TURN REST API"), each user gets a username valid until a time,
 * `<expiry in Unix seconds>:<user ID>`, and the password base64(HMAC-SHA1(secret, username)), which
 * coturn checks without asking us. Without a secret, the configured fixed username and password.
 */
import { createHmac } from "node:crypto";
import { MatrixError } from "../../core/errors";
import type { Clock } from "../../util/clock";

export interface TurnConfig {
  readonly uris: readonly string[];
  readonly shared_secret: string;
  readonly username: string;
  readonly password: string;
  readonly user_lifetime_ms: number;
  readonly allow_guests: boolean;
}

export interface TurnCredentials {
  username: string;
  password: string;
  uris: string[];
  /** Seconds the credentials stay valid. */
  ttl: number;
}

export interface TurnService {
  /**
   * Credentials for a user, or null when no TURN server is configured. Guests get 403
   * M_GUEST_ACCESS_FORBIDDEN unless turn.allow_guests.
   */
  credentials(userId: string, isGuest: boolean): TurnCredentials | null;
}

/** coturn's REST-API password for a username. */
export function turnPassword(secret: string, username: string): string {
  return createHmac("sha1", secret).update(username).digest("base64");
}

export function createTurnService(config: TurnConfig, clock: Clock): TurnService {
  return {
    credentials(userId, isGuest) {
      if (isGuest && !config.allow_guests) {
        throw new MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN", "Guest accounts may not use the TURN server");
      }
      if (config.uris.length === 0) return null;
      const ttl = Math.floor(config.user_lifetime_ms / 1000);
      if (config.shared_secret !== "") {
        const expiry = Math.floor((clock.now() + config.user_lifetime_ms) / 1000);
        const username = `${expiry}:${userId}`;
        return { username, password: turnPassword(config.shared_secret, username), uris: [...config.uris], ttl };
      }
      if (config.username === "" || config.password === "") return null;
      return { username: config.username, password: config.password, uris: [...config.uris], ttl };
    },
  };
}
