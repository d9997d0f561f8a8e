import { expect, test } from "bun:test";
import { openDb } from "../../src/storage/db";
import { migrate } from "../../src/storage/migrate";
import { createMediaRepo } from "../../src/storage/repos/media";
import { createUrlPreviewRepo } from "../../src/storage/repos/media-previews";

function fresh() {
  const db = openDb(":memory:");
  migrate(db, undefined, 0);
  return { db, repo: createMediaRepo(db), previews: createUrlPreviewRepo(db) };
}
const SHA = "a".repeat(64);
const base = {
  serverName: "hs1.test",
  kind: "upload" as const,
  userId: "@a:hs1.test",
  contentType: "text/plain",
  uploadName: null,
  createdAt: 1,
  unusedExpiresAt: null,
};

test("media IDs are unique; a pending upload can be completed exactly once", () => {
  const { repo } = fresh();
  repo.insertContent(SHA, 5, 1);
  expect(repo.insertMedia({ ...base, mediaId: "m1", sha256: SHA, size: 5, uploadedAt: 1 })).toBe(true);
  expect(repo.insertMedia({ ...base, mediaId: "m1", sha256: SHA, size: 5, uploadedAt: 1 })).toBe(false);
  repo.insertMedia({ ...base, mediaId: "p1", sha256: null, size: null, uploadedAt: null, unusedExpiresAt: 100 });
  expect(repo.selectPendingExpiries("@a:hs1.test", 50)).toEqual([100]);
  const done = { sha256: SHA, size: 5, contentType: "text/plain", uploadName: null, uploadedAt: 60 };
  expect(repo.completePending("hs1.test", "p1", done)).toBe(true);
  expect(repo.completePending("hs1.test", "p1", done)).toBe(false);
  expect(repo.selectMedia("hs1.test", "p1")).toMatchObject({ sha256: SHA, uploadedAt: 60, unusedExpiresAt: null });
  expect(repo.sumUserBytes("@a:hs1.test")).toBe(10);
});

test("a stored file without its content row cannot be referenced (foreign key)", () => {
  const { repo } = fresh();
  expect(() => repo.insertMedia({ ...base, mediaId: "x", sha256: "b".repeat(64), size: 1, uploadedAt: 1 })).toThrow();
});

test("content is deletable only once nothing refers to it; thumbnails go with their media", () => {
  const { repo } = fresh();
  const T = "c".repeat(64);
  repo.insertContent(SHA, 5, 1);
  repo.insertContent(T, 3, 1);
  repo.insertMedia({ ...base, mediaId: "m1", sha256: SHA, size: 5, uploadedAt: 1 });
  repo.insertThumbnail(
    "hs1.test",
    "m1",
    { width: 32, height: 32, method: "crop", contentType: "image/png", sha256: T, size: 3 },
    1,
  );
  expect(repo.selectUnreferencedContent(10)).toEqual([]);
  expect(repo.deleteContentIfUnreferenced(SHA)).toBe(false);
  repo.deleteMedia("hs1.test", "m1");
  expect(repo.countThumbnails("hs1.test", "m1")).toBe(0);
  expect(repo.selectUnreferencedContent(10).sort()).toEqual([SHA, T]);
  expect(repo.deleteContentIfUnreferenced(SHA)).toBe(true);
  expect(repo.hasContent(SHA)).toBe(false);
});

test("expired pending uploads and stale remote media are found by time", () => {
  const { repo } = fresh();
  repo.insertContent(SHA, 5, 1);
  repo.insertMedia({ ...base, mediaId: "p", sha256: null, size: null, uploadedAt: null, unusedExpiresAt: 10 });
  repo.insertMedia({
    ...base,
    serverName: "r.test",
    mediaId: "r",
    kind: "remote",
    userId: null,
    sha256: SHA,
    size: 5,
    uploadedAt: 5,
  });
  expect(repo.deleteExpiredPending(9)).toBe(0);
  expect(repo.deleteExpiredPending(10)).toBe(1);
  expect(repo.selectStale("remote", 5, 10)).toEqual([]);
  expect(repo.selectStale("remote", 6, 10)).toEqual([{ serverName: "r.test", mediaId: "r" }]);
  repo.touchAccess("r.test", "r", 5 + 3_600_001);
  expect(repo.selectStale("remote", 6, 10)).toEqual([]);
});

test("previews: the newest fresh one at or before the asked time", () => {
  const { previews } = fresh();
  previews.insert({
    url: "https://x/",
    fetchedAt: 100,
    expiresAt: 1000,
    og: { "og:title": "old" },
    imageMediaId: null,
  });
  previews.insert({ url: "https://x/", fetchedAt: 200, expiresAt: 1000, og: { "og:title": "new" }, imageMediaId: "i" });
  expect(previews.selectFresh("https://x/", 150, 300)?.og).toEqual({ "og:title": "old" });
  expect(previews.selectFresh("https://x/", 250, 300)?.og).toEqual({ "og:title": "new" });
  expect(previews.selectFresh("https://x/", 50, 300)?.og).toEqual({ "og:title": "new" });
  expect(previews.selectFresh("https://x/", 250, 1000)).toBeNull();
  expect(previews.selectOlderThan(150, 10)).toEqual([{ url: "https://x/", fetchedAt: 100, imageMediaId: null }]);
});
