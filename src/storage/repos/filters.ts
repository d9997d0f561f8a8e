import type { Db } from "../db";

export interface FilterRepo {
  /** Stores a filter under the user's next filter ID and returns that ID. */
  insert(userId: string, filterJson: string): number;
  select(userId: string, filterId: number): string | null;
}

export function createFilterRepo(db: Db): FilterRepo {
  const q = db.sqlite;
  const insert = q.query<{ filter_id: number }, [string, string, string]>(
    `INSERT INTO filters (user_id, filter_id, filter_json)
     VALUES (?, (SELECT coalesce(max(filter_id), -1) + 1 FROM filters WHERE user_id = ?), ?) RETURNING filter_id`,
  );
  const select = q.query<{ filter_json: string }, [string, number]>(
    "SELECT filter_json FROM filters WHERE user_id = ? AND filter_id = ?",
  );
  return {
    insert(userId, json) {
      const r = insert.get(userId, userId, json);
      if (!r) throw new Error("filter insert returned no id");
      return r.filter_id;
    },
    select: (userId, id) => select.get(userId, id)?.filter_json ?? null,
  };
}
