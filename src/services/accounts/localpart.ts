/**
 * User ID grammar (spec appendices, "User Identifiers"): new localparts use only a-z 0-9 . _ = - / +,
 * and the whole ID is at most 255 bytes.
 */
import { MatrixError } from "../../core/errors";

const LOCALPART_RE = /^[a-z0-9._=\-/+]+$/;

/** Throws M_INVALID_USERNAME unless `localpart` is a valid localpart for a new user on `serverName`. */
export function checkNewLocalpart(localpart: string, serverName: string): void {
  if (localpart.length === 0) throw invalidUsername("The username must not be empty");
  if (!LOCALPART_RE.test(localpart)) {
    throw invalidUsername("The username may contain only a-z, 0-9, and the characters . _ = - / +");
  }
  if (/^\d+$/.test(localpart) || localpart.startsWith("_")) {
    // Reserved: numeric IDs are what we generate, and a leading underscore is the bridges' namespace.
    throw invalidUsername("Numeric usernames and usernames starting with '_' are reserved");
  }
  if (Buffer.byteLength(`@${localpart}:${serverName}`) > 255) {
    throw invalidUsername("The user ID would be longer than 255 bytes");
  }
}

function invalidUsername(message: string): MatrixError {
  return new MatrixError(400, "M_INVALID_USERNAME", message);
}

/**
 * What a client typed at login (a localpart or a full user ID) as a user ID on this server. User IDs
 * are case-insensitive at login, as spec rationale says `@USER:example.org` should reach `@user`.
 * Returns null for an ID on another server or one that cannot be a user ID.
 */
export function resolveLocalUser(input: string, serverName: string): string | null {
  let localpart = input;
  if (input.startsWith("@")) {
    const colon = input.indexOf(":");
    if (colon < 0 || input.slice(colon + 1) !== serverName) return null;
    localpart = input.slice(1, colon);
  }
  if (localpart.length === 0 || localpart.includes(":")) return null;
  return `@${localpart.toLowerCase()}:${serverName}`;
}

/** Splits "@local:server" into its parts; null when it is not of that form. */
export function splitUserId(userId: string): { localpart: string; serverName: string } | null {
  if (!userId.startsWith("@")) return null;
  const colon = userId.indexOf(":");
  if (colon < 2 || colon === userId.length - 1) return null;
  return { localpart: userId.slice(1, colon), serverName: userId.slice(colon + 1) };
}
