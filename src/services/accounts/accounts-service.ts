/**
 * User accounts: create, look up, list, change password, deactivate, promote. Used by the
 * registration and admin endpoints and by the operator CLI (`homeserver user ...`, `token ...`).
 * Domain failures are MatrixErrors (their message is fit to show an operator).
 */
import { MatrixError } from "../../core/errors";
import type { Db } from "../../storage/db";
import type { DeviceRepo } from "../../storage/repos/devices";
import type { UserRecord, UserRepo } from "../../storage/repos/users";
import type { Clock } from "../../util/clock";
import type { AccountEvents } from "./account-events";
import { checkNewLocalpart, resolveLocalUser } from "./localpart";
import type { PasswordHasher } from "./passwords";
import type { RegistrationTokens } from "./registration-tokens";

export interface UserInfo {
  userId: string;
  localpart: string;
  isAdmin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  hasPassword: boolean;
  displayname: string | null;
  avatarUrl: string | null;
  createdAt: number;
}

export interface ListUsersOptions {
  /** Offset into the list ordered by user ID (default 0). */
  from?: number | undefined;
  /** Page size (default 100). */
  limit?: number | undefined;
  /** Substring of the user ID or display name. */
  name?: string | undefined;
  /** Include guest accounts (default true). */
  guests?: boolean | undefined;
  /** Include deactivated accounts (default false). */
  deactivated?: boolean | undefined;
  /** Only admins (true) or only non-admins (false). */
  admins?: boolean | undefined;
}

export interface UserPage {
  users: UserInfo[];
  total: number;
  /** Offset of the next page; null on the last page. */
  nextFrom: number | null;
}

export interface AccountsService extends RegistrationTokens {
  readonly serverName: string;
  /** "@localpart:server". */
  userIdFor(localpart: string): string;
  /** A localpart or full user ID as typed by a client, as a user ID on this server (null if not ours). */
  resolveUser(input: string): string | null;
  /** Throws M_INVALID_USERNAME or M_USER_IN_USE; returns the user ID the localpart would get. */
  checkLocalpartAvailable(localpart: string): string;
  /** Throws M_WEAK_PASSWORD when the password is too short. */
  checkPasswordStrength(password: string): void;
  /**
   * Creates an account (no device, no token). `localpart` null generates a numeric one (guests).
   * Throws M_INVALID_USERNAME, M_USER_IN_USE or M_WEAK_PASSWORD.
   */
  createUser(opts: {
    localpart: string | null;
    password: string | null;
    admin?: boolean | undefined;
    guest?: boolean | undefined;
    displayname?: string | null | undefined;
    /** Runs in the transaction that inserts the user (e.g. issue its first token), so both or neither happen. */
    alsoInTransaction?: ((userId: string) => void) | undefined;
  }): Promise<UserInfo>;
  getUser(userId: string): UserInfo | null;
  listUsers(opts?: ListUsersOptions): UserPage;
  /** Whether `password` is the user's password; false for unknown, deactivated or password-less users. */
  checkPassword(userId: string, password: string): Promise<boolean>;
  /**
   * Sets a new password. `logoutDevices` deletes every device (and so every token) except `keepDeviceId`.
   * Throws M_NOT_FOUND for an unknown user and M_WEAK_PASSWORD.
   */
  setPassword(
    userId: string,
    password: string,
    opts: { logoutDevices: boolean; keepDeviceId?: string | undefined },
  ): Promise<void>;
  /** Deactivates: no password, no devices, no tokens; the account can never log in again. */
  deactivate(userId: string): void;
  /** Admin only: makes a deactivated account usable again (it needs a new password to log in). */
  reactivate(userId: string): void;
  setAdmin(userId: string, admin: boolean): void;
}

export interface AccountsDeps {
  serverName: string;
  db: Db;
  users: UserRepo;
  devices: DeviceRepo;
  clock: Clock;
  hasher: PasswordHasher;
  events: AccountEvents;
  tokens: RegistrationTokens;
  minPasswordLength: number;
}

export function toUserInfo(r: UserRecord): UserInfo {
  return {
    userId: r.userId,
    localpart: r.localpart,
    isAdmin: r.isAdmin,
    isGuest: r.isGuest,
    deactivated: r.deactivated,
    hasPassword: r.passwordHash !== null,
    displayname: r.displayname,
    avatarUrl: r.avatarUrl,
    createdAt: r.createdAt,
  };
}

const MAX_PASSWORD_BYTES = 1024;

export function createAccountsService(deps: AccountsDeps): AccountsService {
  const userIdFor = (localpart: string) => `@${localpart}:${deps.serverName}`;
  const mustGet = (userId: string): UserRecord => {
    const u = deps.users.select(userId);
    if (!u) throw MatrixError.notFound(`No such user: ${userId}`);
    return u;
  };
  const checkPasswordStrength = (password: string) => {
    if (password.length < deps.minPasswordLength) {
      throw new MatrixError(
        400,
        "M_WEAK_PASSWORD",
        `The password must be at least ${deps.minPasswordLength} characters long`,
      );
    }
    if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
      throw new MatrixError(400, "M_INVALID_PARAM", `The password must be at most ${MAX_PASSWORD_BYTES} bytes`);
    }
  };
  const checkLocalpartAvailable = (localpart: string) => {
    checkNewLocalpart(localpart, deps.serverName);
    const userId = userIdFor(localpart);
    if (deps.users.exists(userId)) throw new MatrixError(400, "M_USER_IN_USE", "The user ID is already taken");
    return userId;
  };

  return {
    ...deps.tokens,
    serverName: deps.serverName,
    userIdFor,
    resolveUser: (input) => resolveLocalUser(input, deps.serverName),
    checkLocalpartAvailable,
    checkPasswordStrength,

    async createUser(opts) {
      if (opts.localpart !== null) checkLocalpartAvailable(opts.localpart);
      if (opts.password !== null) checkPasswordStrength(opts.password);
      const passwordHash = opts.password === null ? null : await deps.hasher.hash(opts.password);
      const now = deps.clock.now();
      const row = {
        passwordHash,
        isAdmin: opts.admin === true,
        isGuest: opts.guest === true,
        displayname: opts.displayname ?? null,
        createdAt: now,
      };
      const localpart = opts.localpart;
      const userId = deps.db.tx(() => {
        let id: string;
        if (localpart !== null) {
          id = userIdFor(localpart);
          // The user may have been registered while we hashed: the UNIQUE constraint decides.
          if (deps.users.insert({ userId: id, localpart, ...row }) === "exists") {
            throw new MatrixError(400, "M_USER_IN_USE", "The user ID is already taken");
          }
        } else {
          for (let n = deps.users.count({ guests: true, deactivated: true }) + 1; ; n++) {
            id = userIdFor(String(n));
            if (deps.users.insert({ userId: id, localpart: String(n), ...row }) === "ok") break;
          }
        }
        opts.alsoInTransaction?.(id);
        return id;
      });
      return toUserInfo(mustGet(userId));
    },

    getUser(userId) {
      const u = deps.users.select(userId);
      return u ? toUserInfo(u) : null;
    },

    listUsers(opts = {}) {
      const from = Math.max(0, opts.from ?? 0);
      const limit = Math.min(1000, Math.max(1, opts.limit ?? 100));
      const filter = {
        ...(opts.name ? { name: opts.name } : {}),
        guests: opts.guests ?? true,
        deactivated: opts.deactivated ?? false,
        ...(opts.admins === undefined ? {} : { admins: opts.admins }),
      };
      const users = deps.users.list(filter, from, limit).map(toUserInfo);
      const total = deps.users.count(filter);
      return { users, total, nextFrom: from + users.length < total ? from + users.length : null };
    },

    async checkPassword(userId, password) {
      const u = deps.users.select(userId);
      if (!u || u.deactivated || u.passwordHash === null) return false;
      if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
      return deps.hasher.verify(password, u.passwordHash);
    },

    async setPassword(userId, password, opts) {
      mustGet(userId);
      checkPasswordStrength(password);
      const hash = await deps.hasher.hash(password);
      const deleted = deps.db.tx(() => {
        const u = mustGet(userId);
        if (u.deactivated) throw MatrixError.forbidden("The account is deactivated");
        deps.users.updatePasswordHash(userId, hash);
        if (!opts.logoutDevices) return [];
        return opts.keepDeviceId === undefined
          ? deps.devices.deleteAllForUser(userId)
          : deps.devices.deleteAllForUserExcept(userId, opts.keepDeviceId);
      });
      if (deleted.length > 0) deps.events.emit("devicesDeleted", { userId, deviceIds: deleted });
    },

    deactivate(userId) {
      const deleted = deps.db.tx(() => {
        mustGet(userId);
        deps.users.updateDeactivated(userId, true);
        deps.users.updatePasswordHash(userId, null);
        return deps.devices.deleteAllForUser(userId);
      });
      if (deleted.length > 0) deps.events.emit("devicesDeleted", { userId, deviceIds: deleted });
      deps.events.emit("userDeactivated", { userId });
    },

    reactivate(userId) {
      mustGet(userId);
      deps.users.updateDeactivated(userId, false);
    },

    setAdmin(userId, admin) {
      mustGet(userId);
      deps.users.updateAdmin(userId, admin);
    },
  };
}
