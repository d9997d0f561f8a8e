/**
 * POST /register in the configured mode (closed / token / open), guest registration, username
 * availability and registration-token validity (client-server API, "Account registration").
 */
import { MatrixError, UiaRequired } from "../../core/errors";
import type { RateLimiter } from "../ratelimit/rate-limiter";
import type { StageType, UiaService } from "../uia/uia-service";
import type { AccountsService } from "./accounts-service";
import type { IssuedSession, SessionIssuer } from "./sessions";

export type RegistrationMode = "closed" | "token" | "open";

export interface RegisterRequest {
  kind: "user" | "guest";
  username?: string | undefined;
  password?: string | undefined;
  deviceId?: string | undefined;
  initialDeviceDisplayName?: string | undefined;
  inhibitLogin?: boolean | undefined;
  refreshToken?: boolean | undefined;
  auth?: unknown;
  /** Client address (registrations are limited per address). */
  ip: string;
}

export interface RegisterResult {
  userId: string;
  /** Absent with inhibit_login. */
  session: IssuedSession | null;
}

export interface RegistrationService {
  register(req: RegisterRequest): Promise<RegisterResult>;
  /** Throws M_INVALID_USERNAME / M_USER_IN_USE, or M_FORBIDDEN when registration is closed. */
  checkUsernameAvailable(username: string): void;
  /** Throws M_FORBIDDEN when the server does not use registration tokens. */
  isRegistrationTokenValid(token: string): boolean;
}

export interface RegistrationDeps {
  mode: RegistrationMode;
  guestAccess: boolean;
  accounts: AccountsService;
  sessions: SessionIssuer;
  uia: UiaService;
  rateLimiter: RateLimiter;
}

export const REGISTER_OPERATION = "POST /_matrix/client/v3/register";

export function createRegistrationService(deps: RegistrationDeps): RegistrationService {
  const flows: StageType[][] = deps.mode === "token" ? [["m.login.registration_token"]] : [["m.login.dummy"]];
  const closed = () => new MatrixError(403, "M_FORBIDDEN", "Registration is disabled on this server");

  /** Counts one registration (or failed token attempt) against the client address; never throws. */
  const count = (ip: string) => {
    try {
      deps.rateLimiter.take("register", `ip|${ip}`);
    } catch {
      // the attempt was already let in
    }
  };

  return {
    async register(req) {
      if (req.kind === "guest") {
        if (!deps.guestAccess) {
          throw new MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN", "Guest access is disabled on this server");
        }
        deps.rateLimiter.peek("register", `ip|${req.ip}`);
        // Spec: every parameter but initial_device_display_name is ignored, and we pick the device ID.
        let session: IssuedSession | null = null;
        const user = await deps.accounts.createUser({
          localpart: null,
          password: null,
          guest: true,
          alsoInTransaction: (userId) => {
            session = deps.sessions.issue(userId, { displayName: req.initialDeviceDisplayName });
          },
        });
        count(req.ip);
        return { userId: user.userId, session };
      }

      if (deps.mode === "closed") throw closed();
      deps.rateLimiter.peek("register", `ip|${req.ip}`);
      // Spec: username problems are reported before user-interactive authentication.
      const localpart = req.username === undefined ? null : req.username.toLowerCase();
      if (localpart !== null) deps.accounts.checkLocalpartAvailable(localpart);
      if (req.password !== undefined) deps.accounts.checkPasswordStrength(req.password);

      let passed: Awaited<ReturnType<UiaService["authenticate"]>>;
      try {
        passed = await deps.uia.authenticate({ operation: REGISTER_OPERATION, userId: null, auth: req.auth, flows });
      } catch (e) {
        if (e instanceof UiaRequired && e.body.errcode === "M_UNAUTHORIZED") count(req.ip); // a wrong token
        throw e;
      }
      // The session stays open, so the client can retry with a password.
      if (req.password === undefined) throw MatrixError.missingParam("A password is required to register");

      let session: IssuedSession | null = null;
      const user = await deps.accounts.createUser({
        localpart,
        password: req.password,
        alsoInTransaction: (userId) => {
          deps.uia.finish(passed.sessionId);
          if (passed.registrationToken !== null) deps.accounts.recordTokenUse(passed.registrationToken);
          if (req.inhibitLogin !== true) {
            session = deps.sessions.issue(userId, {
              deviceId: req.deviceId,
              displayName: req.initialDeviceDisplayName,
              refreshToken: req.refreshToken,
            });
          }
        },
      });
      count(req.ip);
      return { userId: user.userId, session };
    },

    checkUsernameAvailable(username) {
      if (deps.mode === "closed") throw closed();
      deps.accounts.checkLocalpartAvailable(username.toLowerCase());
    },

    isRegistrationTokenValid(token) {
      if (deps.mode !== "token") {
        throw new MatrixError(403, "M_FORBIDDEN", "This server does not use registration tokens");
      }
      return deps.accounts.isTokenValid(token);
    },
  };
}
