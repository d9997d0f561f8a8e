/**
 * Display name and avatar URL (client-server API, "Profiles"). Changes are announced through
 * AccountEvents ("profileChanged") so the rooms service can update the user's member events.
 */

import { MatrixError } from "../../core/errors";
import { parseMxcUri } from "../../core/ids";
import type { UserRepo } from "../../storage/repos/users";
import type { AccountEvents } from "../accounts/account-events";

export interface Profile {
  displayname: string | null;
  avatarUrl: string | null;
}

export interface ProfileService {
  /** Throws 404 M_NOT_FOUND for users this server does not have. */
  getProfile(userId: string): Profile;
  /** Only the user themself (403 M_FORBIDDEN otherwise). null or "" removes the name. */
  setDisplayname(requester: string, userId: string, displayname: string | null): void;
  /** Only the user themself; the URL must be an mxc:// URI (or null / "" to remove). */
  setAvatarUrl(requester: string, userId: string, avatarUrl: string | null): void;
  /** Admin API: sets either field of any local user (undefined: unchanged). */
  adminSetProfile(userId: string, changes: { displayname?: string | null; avatarUrl?: string | null }): void;
}

export const MAX_DISPLAYNAME_LENGTH = 256;
export const MAX_AVATAR_URL_LENGTH = 1000;

export function createProfileService(deps: { users: UserRepo; events: AccountEvents }): ProfileService {
  const own = (requester: string, userId: string) => {
    if (requester !== userId) throw MatrixError.forbidden("You cannot change another user's profile");
    const u = deps.users.select(userId);
    if (!u) throw MatrixError.notFound("No such user");
  };
  const announce = (userId: string) => {
    const u = deps.users.select(userId);
    if (u) deps.events.emit("profileChanged", { userId, displayname: u.displayname, avatarUrl: u.avatarUrl });
  };
  const checkDisplayname = (displayname: string | null) => {
    if (displayname !== null && displayname.length > MAX_DISPLAYNAME_LENGTH) {
      throw MatrixError.badJson(`displayname must be at most ${MAX_DISPLAYNAME_LENGTH} characters`);
    }
  };
  const checkAvatarUrl = (avatarUrl: string | null) => {
    if (avatarUrl !== null && avatarUrl !== "") {
      if (avatarUrl.length > MAX_AVATAR_URL_LENGTH || parseMxcUri(avatarUrl) === null) {
        throw MatrixError.badJson("avatar_url must be an mxc:// URI");
      }
    }
  };
  return {
    getProfile(userId) {
      const u = deps.users.select(userId);
      if (!u || u.deactivated) throw MatrixError.notFound("Profile not found");
      return { displayname: u.displayname, avatarUrl: u.avatarUrl };
    },
    setDisplayname(requester, userId, displayname) {
      checkDisplayname(displayname);
      own(requester, userId);
      deps.users.updateDisplayname(userId, displayname === "" ? null : displayname);
      announce(userId);
    },
    setAvatarUrl(requester, userId, avatarUrl) {
      checkAvatarUrl(avatarUrl);
      own(requester, userId);
      deps.users.updateAvatarUrl(userId, avatarUrl === "" ? null : avatarUrl);
      announce(userId);
    },
    adminSetProfile(userId, changes) {
      if (changes.displayname !== undefined) checkDisplayname(changes.displayname);
      if (changes.avatarUrl !== undefined) checkAvatarUrl(changes.avatarUrl);
      if (!deps.users.exists(userId)) throw MatrixError.notFound("No such user");
      if (changes.displayname !== undefined) {
        deps.users.updateDisplayname(userId, changes.displayname === "" ? null : changes.displayname);
      }
      if (changes.avatarUrl !== undefined) {
        deps.users.updateAvatarUrl(userId, changes.avatarUrl === "" ? null : changes.avatarUrl);
      }
      if (changes.displayname !== undefined || changes.avatarUrl !== undefined) announce(userId);
    },
  };
}
