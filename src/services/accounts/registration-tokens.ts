/** Registration tokens (spec: "Token-authenticated registration"), managed by the CLI and admin API. */
import { MatrixError } from "../../core/errors";
import type { RegistrationTokenRecord, RegistrationTokenRepo } from "../../storage/repos/registration-tokens";
import type { Clock } from "../../util/clock";
import { randomAlnum } from "../../util/random";

export type RegistrationToken = RegistrationTokenRecord;

export interface RegistrationTokens {
  /** Creates a token; a random one of `length` characters (default 16) when `token` is not given. */
  createToken(opts?: {
    token?: string | undefined;
    usesAllowed?: number | null | undefined;
    expiryTime?: number | null | undefined;
    length?: number | undefined;
  }): RegistrationToken;
  /** All tokens; `valid` true/false keeps only the (in)valid ones. */
  listTokens(opts?: { valid?: boolean | undefined }): RegistrationToken[];
  getToken(token: string): RegistrationToken | null;
  updateToken(
    token: string,
    changes: { usesAllowed?: number | null | undefined; expiryTime?: number | null | undefined },
  ): RegistrationToken;
  /** Deletes a token; false when there was none. */
  revokeToken(token: string): boolean;
  /** Whether `token` could be used to register right now. */
  isTokenValid(token: string): boolean;
  isValidRecord(t: RegistrationToken): boolean;
  /** Counts a completed registration with `token`. */
  recordTokenUse(token: string): void;
}

/** Opaque identifier grammar (spec appendices), at most 64 characters. */
export const REGISTRATION_TOKEN_RE = /^[A-Za-z0-9._~-]{1,64}$/;
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

export function createRegistrationTokens(deps: {
  repo: RegistrationTokenRepo;
  clock: Clock;
  /** UIA sessions older than this no longer hold a pending use of a token. */
  uiaSessionLifetimeMs: number;
}): RegistrationTokens {
  const since = () => deps.clock.now() - deps.uiaSessionLifetimeMs;
  const isValidRecord = (t: RegistrationToken) =>
    (t.expiryTime === null || t.expiryTime > deps.clock.now()) &&
    (t.usesAllowed === null || t.pending + t.completed < t.usesAllowed);
  const checkFields = (o: { usesAllowed?: number | null | undefined; expiryTime?: number | null | undefined }) => {
    if (o.usesAllowed != null && (!Number.isSafeInteger(o.usesAllowed) || o.usesAllowed < 0)) {
      throw MatrixError.invalidParam("uses_allowed must be a non-negative integer or null");
    }
    if (o.expiryTime != null && (!Number.isSafeInteger(o.expiryTime) || o.expiryTime < deps.clock.now())) {
      throw MatrixError.invalidParam("expiry_time must be an integer (milliseconds) in the future, or null");
    }
  };

  const self: RegistrationTokens = {
    createToken(opts = {}) {
      checkFields(opts);
      const length = opts.length ?? 16;
      if (opts.token === undefined && (!Number.isInteger(length) || length < 1 || length > 64)) {
        throw MatrixError.invalidParam("length must be an integer between 1 and 64");
      }
      if (opts.token !== undefined && !REGISTRATION_TOKEN_RE.test(opts.token)) {
        throw MatrixError.invalidParam("token must be 1-64 characters from A-Z, a-z, 0-9 and . _ ~ -");
      }
      const now = deps.clock.now();
      const row = { usesAllowed: opts.usesAllowed ?? null, expiryTime: opts.expiryTime ?? null, createdAt: now };
      if (opts.token !== undefined) {
        if (deps.repo.insert({ token: opts.token, ...row }) === "exists") {
          throw new MatrixError(400, "M_INVALID_PARAM", `Token already exists: ${opts.token}`);
        }
        return self.getToken(opts.token)!;
      }
      for (;;) {
        const token = randomAlnum(length, TOKEN_ALPHABET);
        if (deps.repo.insert({ token, ...row }) === "ok") return self.getToken(token)!;
      }
    },
    listTokens(opts = {}) {
      const all = deps.repo.list(since());
      return opts.valid === undefined ? all : all.filter((t) => isValidRecord(t) === opts.valid);
    },
    getToken: (token) => deps.repo.select(token, since()),
    updateToken(token, changes) {
      checkFields(changes);
      if (!deps.repo.update(token, changes)) throw MatrixError.notFound(`No such registration token: ${token}`);
      return self.getToken(token)!;
    },
    revokeToken: (token) => deps.repo.delete(token),
    isTokenValid(token) {
      const t = deps.repo.select(token, since());
      return t !== null && isValidRecord(t);
    },
    isValidRecord,
    recordTokenUse: (token) => deps.repo.incrementCompleted(token),
  };
  return self;
}
