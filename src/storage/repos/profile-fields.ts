/** Profile fields other than displayname and avatar_url (migration 0012): one JSON value per key and user. */
import type { Db } from "../db";

export interface ProfileFieldRepo {
  /** The user's fields, by key (values as stored JSON text). */
  all(userId: string): Map<string, string>;
  get(userId: string, keyName: string): string | null;
  set(userId: string, keyName: string, valueJson: string): void;
  delete(userId: string, keyName: string): void;
  deleteAll(userId: string): void;
}

export function createProfileFieldRepo(db: Db): ProfileFieldRepo {
  const s = db.sqlite;
  const q = {
    all: s.query<{ key_name: string; value_json: string }, [string]>(
      "SELECT key_name, value_json FROM profile_fields WHERE user_id = ? ORDER BY key_name",
    ),
    get: s.query<{ value_json: string }, [string, string]>(
      "SELECT value_json FROM profile_fields WHERE user_id = ? AND key_name = ?",
    ),
    set: s.query<unknown, [string, string, string]>(
      `INSERT INTO profile_fields (user_id, key_name, value_json) VALUES (?, ?, ?)
       ON CONFLICT (user_id, key_name) DO UPDATE SET value_json = excluded.value_json`,
    ),
    delete: s.query<unknown, [string, string]>("DELETE FROM profile_fields WHERE user_id = ? AND key_name = ?"),
    deleteAll: s.query<unknown, [string]>("DELETE FROM profile_fields WHERE user_id = ?"),
  };
  return {
    all: (userId) => new Map(q.all.all(userId).map((r) => [r.key_name, r.value_json])),
    get: (userId, keyName) => q.get.get(userId, keyName)?.value_json ?? null,
    set(userId, keyName, valueJson) {
      q.set.run(userId, keyName, valueJson);
    },
    delete(userId, keyName) {
      q.delete.run(userId, keyName);
    },
    deleteAll(userId) {
      q.deleteAll.run(userId);
    },
  };
}
