/**
 * Shared-secret registration, compatible with Synapse's /_synapse/admin/v1/register: the client
 * fetches a single-use nonce, then sends HMAC-SHA1(secret, nonce NUL user NUL password NUL
 * "admin"|"notadmin" [NUL user_type]) in hex. Operators' provisioning tools use it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { MatrixError } from "../../core/errors";
import type { Clock } from "../../util/clock";
import { randomAlnum } from "../../util/random";
import type { AccountsService } from "../accounts/accounts-service";
import type { IssuedSession, SessionIssuer } from "../accounts/sessions";

export interface SharedSecretRegistration {
  /** A new nonce, valid once for `NONCE_LIFETIME_MS`. Throws 400 when no shared secret is configured. */
  newNonce(): string;
  register(req: {
    nonce: string;
    username: string;
    password: string;
    admin: boolean;
    displayname?: string | undefined;
    userType?: string | null | undefined;
    mac: string;
  }): Promise<IssuedSession>;
}

export const NONCE_LIFETIME_MS = 60_000;

/** The MAC a client computes (exported for tests and tools). */
export function sharedSecretMac(
  secret: string,
  f: { nonce: string; username: string; password: string; admin: boolean; userType?: string | null | undefined },
): string {
  const h = createHmac("sha1", secret);
  h.update(f.nonce);
  h.update("\x00");
  h.update(f.username);
  h.update("\x00");
  h.update(f.password);
  h.update("\x00");
  h.update(f.admin ? "admin" : "notadmin");
  if (f.userType) {
    h.update("\x00");
    h.update(f.userType);
  }
  return h.digest("hex");
}

export function createSharedSecretRegistration(deps: {
  secret: string;
  accounts: AccountsService;
  sessions: SessionIssuer;
  clock: Clock;
}): SharedSecretRegistration {
  const nonces = new Map<string, number>();
  const disabled = () => MatrixError.badJson("Shared secret registration is not enabled");
  const sweep = (now: number) => {
    for (const [n, exp] of nonces) if (exp <= now) nonces.delete(n);
  };
  return {
    newNonce() {
      if (!deps.secret) throw disabled();
      const now = deps.clock.now();
      sweep(now);
      const nonce = randomAlnum(32);
      nonces.set(nonce, now + NONCE_LIFETIME_MS);
      return nonce;
    },
    async register(req) {
      if (!deps.secret) throw disabled();
      const now = deps.clock.now();
      const expires = nonces.get(req.nonce);
      // Single use: the nonce is gone whatever happens next.
      nonces.delete(req.nonce);
      if (expires === undefined || expires <= now) throw MatrixError.badJson("Unrecognised nonce");
      if (req.userType) throw MatrixError.invalidParam("user_type is not supported");
      const expected = Buffer.from(sharedSecretMac(deps.secret, req), "utf8");
      const given = Buffer.from(req.mac.toLowerCase(), "utf8");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw MatrixError.forbidden("HMAC incorrect");
      }
      let session: IssuedSession | null = null;
      await deps.accounts.createUser({
        localpart: req.username.toLowerCase(),
        password: req.password,
        admin: req.admin,
        displayname: req.displayname ?? null,
        alsoInTransaction: (userId) => {
          session = deps.sessions.issue(userId, {});
        },
      });
      if (session === null) throw new Error("shared-secret registration issued no session");
      return session;
    },
  };
}
