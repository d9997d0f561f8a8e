/**
 * The user directory's candidates, read live from the tables that hold the truth (memberships,
 * room summaries, accounts), so the directory follows every profile and membership change at once.
 */
import type { Db } from "../db";

export interface DirectoryCandidate {
  userId: string;
  displayName: string | null;
  avatarUrl: string | null;
  isLocal: boolean;
}

export interface UserDirectoryRepo {
  /**
   * Users the searcher may find: those sharing a joined room with them, those joined to a room with a
   * public join rule or world-readable history, and (when `allLocalUsers`) every active local user.
   * Deactivated local users are left out. Profiles: the account's for local users, the member event's
   * for others.
   */
  candidates(searcher: string, allLocalUsers: boolean): DirectoryCandidate[];
}

interface Row {
  user_id: string;
  displayname: string | null;
  avatar_url: string | null;
  is_local: number;
}

export function createUserDirectoryRepo(db: Db): UserDirectoryRepo {
  const q = db.sqlite.query<Row, [string, number]>(
    `WITH visible(user_id) AS (
       SELECT m.user_id FROM room_memberships m JOIN room_summaries s ON s.room_nid = m.room_nid
        WHERE m.membership = 'join' AND (s.join_rule = 'public' OR s.history_visibility = 'world_readable')
       UNION
       SELECT m2.user_id FROM room_memberships m1 JOIN room_memberships m2 ON m2.room_nid = m1.room_nid
        WHERE m1.user_id = ?1 AND m1.membership = 'join' AND m2.membership = 'join'
       UNION
       SELECT user_id FROM users WHERE ?2 = 1 AND deactivated = 0
     )
     SELECT v.user_id,
            CASE WHEN u.user_id IS NOT NULL THEN u.displayname ELSE (
              SELECT json_extract(e.json, '$.content.displayname') FROM room_memberships m
                JOIN events e ON e.event_nid = m.event_nid
               WHERE m.user_id = v.user_id AND m.membership = 'join' ORDER BY m.stream_ordering DESC LIMIT 1) END
              AS displayname,
            CASE WHEN u.user_id IS NOT NULL THEN u.avatar_url ELSE (
              SELECT json_extract(e.json, '$.content.avatar_url') FROM room_memberships m
                JOIN events e ON e.event_nid = m.event_nid
               WHERE m.user_id = v.user_id AND m.membership = 'join' ORDER BY m.stream_ordering DESC LIMIT 1) END
              AS avatar_url,
            u.user_id IS NOT NULL AS is_local
       FROM visible v LEFT JOIN users u ON u.user_id = v.user_id
      WHERE u.user_id IS NULL OR u.deactivated = 0`,
  );
  return {
    candidates: (searcher, all) =>
      q.all(searcher, all ? 1 : 0).map((r) => ({
        userId: r.user_id,
        displayName: typeof r.displayname === "string" ? r.displayname : null,
        avatarUrl: typeof r.avatar_url === "string" ? r.avatar_url : null,
        isLocal: r.is_local === 1,
      })),
  };
}
