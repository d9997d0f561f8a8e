import type { RateLimiter } from "../ratelimit/rate-limiter";
import type { AccountsService } from "./accounts-service";

/**
 * Checks a password against the per-account failure budget (rate_limits.login_per_minute): a
 * used-up budget refuses with M_LIMIT_EXCEEDED before the password is looked at, and only wrong
 * passwords use it up. Shared by /login and the m.login.password UIA stage.
 */
export async function verifyPasswordLimited(
  accounts: AccountsService,
  limiter: RateLimiter,
  userId: string,
  password: string,
): Promise<boolean> {
  const key = `account|${userId}`;
  limiter.peek("login", key);
  if (await accounts.checkPassword(userId, password)) return true;
  try {
    limiter.take("login", key);
  } catch {
    // This attempt was already allowed in; the answer to it stays "wrong password".
  }
  return false;
}
