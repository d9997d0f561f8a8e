/** POST /login with m.login.password (client-server API, "Login"). */
import { MatrixError } from "../../core/errors";
import type { RateLimiter } from "../ratelimit/rate-limiter";
import type { AccountsService } from "./accounts-service";
import { verifyPasswordLimited } from "./password-attempts";
import type { PasswordHasher } from "./passwords";
import type { IssuedSession, SessionIssuer } from "./sessions";

export interface PasswordLoginRequest {
  /** The user as typed: a localpart or a full user ID (from identifier.user or the legacy `user`). */
  user: string;
  password: string;
  deviceId?: string | undefined;
  initialDeviceDisplayName?: string | undefined;
  refreshToken?: boolean | undefined;
}

export interface LoginService {
  /** Throws 403 M_FORBIDDEN for a wrong user or password, 403 M_USER_DEACTIVATED, or M_LIMIT_EXCEEDED. */
  loginWithPassword(req: PasswordLoginRequest): Promise<IssuedSession>;
}

export function createLoginService(deps: {
  accounts: AccountsService;
  sessions: SessionIssuer;
  rateLimiter: RateLimiter;
  hasher: PasswordHasher;
}): LoginService {
  const invalid = () => MatrixError.forbidden("Invalid username or password");
  // Unknown users cost one hash verification too, so timing does not tell which names exist.
  let dummyHash: Promise<string> | null = null;
  const burn = async (password: string) => {
    dummyHash ??= deps.hasher.hash("not the password of anyone");
    await deps.hasher.verify(password, await dummyHash);
  };

  return {
    async loginWithPassword(req) {
      const userId = deps.accounts.resolveUser(req.user);
      const user = userId === null ? null : deps.accounts.getUser(userId);
      if (userId === null || user === null) {
        await burn(req.password);
        throw invalid();
      }
      if (user.deactivated) throw new MatrixError(403, "M_USER_DEACTIVATED", "This account has been deactivated");
      if (!(await verifyPasswordLimited(deps.accounts, deps.rateLimiter, userId, req.password))) throw invalid();
      return deps.sessions.issue(userId, {
        deviceId: req.deviceId,
        displayName: req.initialDeviceDisplayName,
        refreshToken: req.refreshToken,
      });
    },
  };
}
