/**
 * Extended profile fields (client-server API "Profiles", spec v1.16, MSC4133): GET/PUT/DELETE
 * /profile/{userId}/{keyName}. `displayname` and `avatar_url` stay with the profile service (their
 * changes reach the user's member events); `m.tz` and custom keys in the Common Namespaced Identifier
 * Grammar are stored here, any JSON value (null too), within the spec's limits: a key name of at most
 * 255 bytes (M_KEY_TOO_LARGE) and a whole profile under 64 KiB of JSON (M_PROFILE_TOO_LARGE).
 */
import { MatrixError } from "../../core/errors";
import type { ProfileFieldRepo } from "../../storage/repos/profile-fields";
import type { ProfileService } from "../profile/profile-service";

export const PROFILE_KEY_PATTERN = /^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;
export const MAX_PROFILE_KEY_BYTES = 255;
/** The whole profile, as JSON, must stay under this (spec: "the total profile MUST be under 64 KiB"). */
export const MAX_PROFILE_BYTES = 64 * 1024;

export interface ProfileFieldsService {
  /** One field's value; 404 when the user or the field does not exist. */
  get(userId: string, keyName: string): unknown;
  /** Sets a field of the requester's own profile. */
  set(requester: { userId: string; isGuest: boolean }, userId: string, keyName: string, value: unknown): void;
  /** Removes a field of the requester's own profile (nothing to remove is fine). */
  delete(requester: { userId: string; isGuest: boolean }, userId: string, keyName: string): void;
  /** The fields kept here (m.tz and custom keys), for GET /profile/{userId}. */
  customFields(userId: string): Record<string, unknown>;
  /** Forgets every field of a user (deactivation). */
  removeAll(userId: string): void;
}

const profileError = (errcode: "M_KEY_TOO_LARGE" | "M_PROFILE_TOO_LARGE", message: string) =>
  new MatrixError(400, errcode, message);

export function checkProfileKey(keyName: string): void {
  if (Buffer.byteLength(keyName, "utf8") > MAX_PROFILE_KEY_BYTES) {
    throw profileError("M_KEY_TOO_LARGE", `Profile keys are at most ${MAX_PROFILE_KEY_BYTES} bytes`);
  }
  if (!PROFILE_KEY_PATTERN.test(keyName)) {
    throw MatrixError.invalidParam(
      "Invalid profile key: displayname, avatar_url, m.tz or a namespaced identifier such as org.example.pronouns",
    );
  }
}

export function createProfileFieldsService(deps: {
  profile: ProfileService;
  repo: ProfileFieldRepo;
  serverName: string;
}): ProfileFieldsService {
  const { profile, repo } = deps;
  const isLocal = (userId: string) => userId.endsWith(`:${deps.serverName}`);
  // Users of other servers need federation, which is not wired yet: they are "not found".
  const existing = (userId: string) => {
    if (!isLocal(userId)) throw MatrixError.notFound("Profile not found");
    return profile.getProfile(userId);
  };
  const custom = (userId: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of repo.all(userId)) out[k] = JSON.parse(v);
    return out;
  };
  const mayChange = (requester: { userId: string; isGuest: boolean }, userId: string, keyName: string) => {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot change another user's profile");
    if (requester.isGuest && keyName !== "displayname") {
      throw new MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN", "Guest accounts may change only their display name");
    }
  };
  return {
    get(userId, keyName) {
      checkProfileKey(keyName);
      const p = existing(userId);
      const value =
        keyName === "displayname"
          ? p.displayname
          : keyName === "avatar_url"
            ? p.avatarUrl
            : (() => {
                const json = repo.get(userId, keyName);
                return json === null ? undefined : JSON.parse(json);
              })();
      // A stored null is a value (the spec asks servers to keep it); an unset field is not found.
      if (value === undefined || ((keyName === "displayname" || keyName === "avatar_url") && value === null)) {
        throw MatrixError.notFound(`No ${keyName} is set`);
      }
      return value;
    },
    set(requester, userId, keyName, value) {
      checkProfileKey(keyName);
      mayChange(requester, userId, keyName);
      if (keyName === "displayname" || keyName === "avatar_url") {
        if (value !== null && typeof value !== "string") throw MatrixError.badJson(`${keyName} must be a string`);
        if (keyName === "displayname") profile.setDisplayname(requester.userId, userId, value);
        else profile.setAvatarUrl(requester.userId, userId, value);
        return;
      }
      if (keyName === "m.tz" && typeof value !== "string") {
        throw MatrixError.badJson("m.tz must be a time zone identifier such as Europe/London");
      }
      const p = existing(userId);
      const next = {
        ...custom(userId),
        [keyName]: value,
        ...(p.displayname !== null ? { displayname: p.displayname } : {}),
        ...(p.avatarUrl !== null ? { avatar_url: p.avatarUrl } : {}),
      };
      if (Buffer.byteLength(JSON.stringify(next), "utf8") >= MAX_PROFILE_BYTES) {
        throw profileError("M_PROFILE_TOO_LARGE", "The profile would be larger than 64 KiB");
      }
      repo.set(userId, keyName, JSON.stringify(value));
    },
    delete(requester, userId, keyName) {
      checkProfileKey(keyName);
      mayChange(requester, userId, keyName);
      if (keyName === "displayname") profile.setDisplayname(requester.userId, userId, null);
      else if (keyName === "avatar_url") profile.setAvatarUrl(requester.userId, userId, null);
      else {
        existing(userId);
        repo.delete(userId, keyName);
      }
    },
    customFields: (userId) => custom(userId),
    removeAll(userId) {
      repo.deleteAll(userId);
    },
  };
}
