import type { Db } from "../db";

export interface UserRecord {
  userId: string;
  localpart: string;
  /** argon2id hash (PHC string), or null when the account has no password. */
  passwordHash: string | null;
  isAdmin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  displayname: string | null;
  avatarUrl: string | null;
  createdAt: number;
}

interface UserRow {
  user_id: string;
  localpart: string;
  password_hash: string | null;
  is_admin: number;
  is_guest: number;
  deactivated: number;
  displayname: string | null;
  avatar_url: string | null;
  created_at: number;
}

export interface UserListFilter {
  /** Substring of the user ID or display name (case-insensitive). */
  name?: string;
  guests: boolean;
  deactivated: boolean;
  admins?: boolean;
}

export interface UserRepo {
  /** "exists" when the user ID (or localpart) is taken: the UNIQUE constraint is the race guard. */
  insert(row: {
    userId: string;
    localpart: string;
    passwordHash: string | null;
    isAdmin: boolean;
    isGuest: boolean;
    displayname: string | null;
    createdAt: number;
  }): "ok" | "exists";
  select(userId: string): UserRecord | null;
  selectByLocalpart(localpart: string): UserRecord | null;
  exists(userId: string): boolean;
  updatePasswordHash(userId: string, hash: string | null): boolean;
  updateAdmin(userId: string, admin: boolean): boolean;
  updateDeactivated(userId: string, deactivated: boolean): boolean;
  updateDisplayname(userId: string, displayname: string | null): boolean;
  updateAvatarUrl(userId: string, avatarUrl: string | null): boolean;
  /** Users ordered by user ID, with offset paging. */
  list(filter: UserListFilter, offset: number, limit: number): UserRecord[];
  count(filter: UserListFilter): number;
}

function toRecord(r: UserRow): UserRecord {
  return {
    userId: r.user_id,
    localpart: r.localpart,
    passwordHash: r.password_hash,
    isAdmin: r.is_admin === 1,
    isGuest: r.is_guest === 1,
    deactivated: r.deactivated === 1,
    displayname: r.displayname,
    avatarUrl: r.avatar_url,
    createdAt: r.created_at,
  };
}

const COLUMNS =
  "user_id, localpart, password_hash, is_admin, is_guest, deactivated, displayname, avatar_url, created_at";
// One statement for every filter combination: a NULL parameter switches its condition off.
const WHERE = `WHERE (?1 IS NULL OR instr(lower(user_id), lower(?1)) > 0 OR instr(lower(coalesce(displayname, '')), lower(?1)) > 0)
  AND (?2 = 1 OR is_guest = 0)
  AND (?3 = 1 OR deactivated = 0)
  AND (?4 IS NULL OR is_admin = ?4)`;

type FilterParams = [string | null, number, number, number | null];

export function createUserRepo(db: Db): UserRepo {
  const q = db.sqlite;
  const insert = q.query(
    `INSERT INTO users (user_id, localpart, password_hash, is_admin, is_guest, displayname, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const select = q.query<UserRow, [string]>(`SELECT ${COLUMNS} FROM users WHERE user_id = ?`);
  const selectLocal = q.query<UserRow, [string]>(`SELECT ${COLUMNS} FROM users WHERE localpart = ?`);
  const exists = q.query<{ x: number }, [string]>("SELECT 1 AS x FROM users WHERE user_id = ?");
  const setHash = q.query("UPDATE users SET password_hash = ? WHERE user_id = ?");
  const setAdmin = q.query("UPDATE users SET is_admin = ? WHERE user_id = ?");
  const setDeactivated = q.query("UPDATE users SET deactivated = ? WHERE user_id = ?");
  const setDisplayname = q.query("UPDATE users SET displayname = ? WHERE user_id = ?");
  const setAvatar = q.query("UPDATE users SET avatar_url = ? WHERE user_id = ?");
  const list = q.query<UserRow, [...FilterParams, number, number]>(
    `SELECT ${COLUMNS} FROM users ${WHERE} ORDER BY user_id LIMIT ?5 OFFSET ?6`,
  );
  const count = q.query<{ n: number }, FilterParams>(`SELECT count(*) AS n FROM users ${WHERE}`);

  const params = (f: UserListFilter): FilterParams => [
    f.name ? f.name : null,
    f.guests ? 1 : 0,
    f.deactivated ? 1 : 0,
    f.admins === undefined ? null : f.admins ? 1 : 0,
  ];

  return {
    insert(r) {
      const res = insert.run(
        r.userId,
        r.localpart,
        r.passwordHash,
        r.isAdmin ? 1 : 0,
        r.isGuest ? 1 : 0,
        r.displayname,
        r.createdAt,
      );
      return res.changes === 1 ? "ok" : "exists";
    },
    select(userId) {
      const r = select.get(userId);
      return r ? toRecord(r) : null;
    },
    selectByLocalpart(localpart) {
      const r = selectLocal.get(localpart);
      return r ? toRecord(r) : null;
    },
    exists: (userId) => exists.get(userId) !== null,
    updatePasswordHash: (userId, hash) => setHash.run(hash, userId).changes === 1,
    updateAdmin: (userId, admin) => setAdmin.run(admin ? 1 : 0, userId).changes === 1,
    updateDeactivated: (userId, d) => setDeactivated.run(d ? 1 : 0, userId).changes === 1,
    updateDisplayname: (userId, name) => setDisplayname.run(name, userId).changes === 1,
    updateAvatarUrl: (userId, url) => setAvatar.run(url, userId).changes === 1,
    list: (f, offset, limit) => list.all(...params(f), limit, offset).map(toRecord),
    count: (f) => count.get(...params(f))?.n ?? 0,
  };
}
