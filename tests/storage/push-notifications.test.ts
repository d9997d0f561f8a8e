import { describe, expect, test } from "bun:test";
import { openDb } from "../../src/storage/db";
import { migrate } from "../../src/storage/migrate";
import { createPushNotificationRepo, type PushNotificationRow } from "../../src/storage/repos/push-notifications";

function setup() {
  const db = openDb(":memory:");
  migrate(db);
  db.sqlite.exec("PRAGMA foreign_keys = OFF"); // rows refer to events this test does not create
  return { db, repo: createPushNotificationRepo(db) };
}

const row = (user: number, stream: number, over: Partial<PushNotificationRow> = {}): PushNotificationRow => ({
  userId: `@u${user}:hs1.test`,
  eventNid: stream,
  roomId: "!r:hs1.test",
  streamOrdering: stream,
  threadId: user % 3 === 0 ? "$thread" : null,
  highlight: user % 2 === 0,
  actions: user % 2 === 0 ? ["notify", { set_tweak: "highlight" }] : ["notify"],
  ts: 1000 + user,
  ...over,
});

describe("push notifications: insertMany", () => {
  test("stores every row of an event with many users, each readable by its user", () => {
    const { db, repo } = setup();
    const rows = Array.from({ length: 123 }, (_, i) => row(i, 7));
    repo.insertMany(rows);
    for (const r of rows) {
      expect(repo.page(r.userId, { limit: 10, onlyHighlight: false })).toEqual([r]);
    }
    db.close();
  });

  test("a row already stored for (user, position) is kept as it was, in a group or alone", () => {
    const { db, repo } = setup();
    repo.insertMany([row(1, 7), row(60, 7)]);
    const again = Array.from({ length: 61 }, (_, i) => row(i, 7, { ts: 5, actions: [] }));
    repo.insertMany(again);
    expect(repo.page("@u1:hs1.test", { limit: 10, onlyHighlight: false })).toEqual([row(1, 7)]); // in the group
    expect(repo.page("@u60:hs1.test", { limit: 10, onlyHighlight: false })).toEqual([row(60, 7)]); // after it
    expect(repo.page("@u2:hs1.test", { limit: 10, onlyHighlight: false })).toEqual([row(2, 7, { ts: 5, actions: [] })]);
    db.close();
  });
});
