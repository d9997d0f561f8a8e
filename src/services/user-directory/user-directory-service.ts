/**
 * User directory search (client-server "User directory"): the users a searcher may find are those
 * sharing a room with them and those in rooms with a public join rule or world-readable history;
 * `[user_directory] search_all_users` widens it to every local user. Matching is case- and
 * accent-insensitive on the user ID and display name; every word of the term must match. Results
 * are ranked: exact match, then prefix of the name or localpart, then prefix of a word, then anywhere;
 * users with a display name and avatar before those without.
 */
import type { UserDirectoryRepo } from "../../storage/repos/user-directory";
import { foldForSearch } from "../directory/published-rooms";
import type { RoomSummaries } from "../directory/room-summaries";

export interface UserDirectoryResult {
  results: { user_id: string; display_name?: string; avatar_url?: string }[];
  limited: boolean;
}

export interface UserDirectoryService {
  search(searcher: string, term: string, limit: number): UserDirectoryResult;
}

export interface UserDirectoryDeps {
  repo: UserDirectoryRepo;
  roomSummaries: RoomSummaries;
  config: { enabled: boolean; search_all_users: boolean };
}

/** Default number of results (the spec's). */
export const DEFAULT_USER_DIRECTORY_LIMIT = 10;

function rankOf(words: string[], localpart: string, name: string): number | null {
  const fields = [localpart, name].filter((f) => f !== "");
  const whole = words.join(" ");
  for (const w of words) if (!fields.some((f) => f.includes(w))) return null;
  if (fields.some((f) => f === whole)) return 0;
  if (fields.some((f) => f.startsWith(whole))) return 1;
  const tokens = fields.flatMap((f) => f.split(/[^\p{L}\p{N}]+/u)).filter((t) => t !== "");
  if (words.every((w) => tokens.some((t) => t.startsWith(w)))) return 2;
  return 3;
}

export function createUserDirectoryService(deps: UserDirectoryDeps): UserDirectoryService {
  return {
    search(searcher, term, limit) {
      const words = foldForSearch(term)
        .split(/\s+/)
        .filter((w) => w !== "");
      if (!deps.config.enabled || words.length === 0) return { results: [], limited: false };
      // Public join rules and history visibility come from the summaries: bring them up to date first.
      deps.roomSummaries.refreshAll();
      const scored: { rank: number; userId: string; name: string | null; avatar: string | null }[] = [];
      for (const c of deps.repo.candidates(searcher, deps.config.search_all_users)) {
        const localpart = foldForSearch(c.userId.slice(1, c.userId.indexOf(":")));
        const rank = rankOf(words, localpart, c.displayName ? foldForSearch(c.displayName) : "");
        // A full user ID (with the server name) finds the user too.
        const byId = rank ?? (words.length === 1 && foldForSearch(c.userId).includes(words[0]!) ? 3 : null);
        if (byId === null) continue;
        scored.push({ rank: byId, userId: c.userId, name: c.displayName, avatar: c.avatarUrl });
      }
      scored.sort(
        (a, b) =>
          a.rank - b.rank ||
          Number(a.name === null) - Number(b.name === null) ||
          Number(a.avatar === null) - Number(b.avatar === null) ||
          (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0),
      );
      return {
        results: scored.slice(0, limit).map((s) => ({
          user_id: s.userId,
          ...(s.name !== null ? { display_name: s.name } : {}),
          ...(s.avatar !== null ? { avatar_url: s.avatar } : {}),
        })),
        limited: scored.length > limit,
      };
    },
  };
}
