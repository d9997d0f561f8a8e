import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentTooLargeError, createContentStore } from "../../../src/services/media/content-store";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-store-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const streamOf = (...parts: (string | Error)[]) =>
  new ReadableStream<Uint8Array>({
    pull(c) {
      const p = parts.shift();
      if (p === undefined) c.close();
      else if (p instanceof Error) c.error(p);
      else c.enqueue(new TextEncoder().encode(p));
    },
  });

const tmpFiles = () => {
  try {
    return readdirSync(join(root, "tmp"));
  } catch {
    return [];
  }
};

test("a received file lands at its SHA-256 address; identical content is stored once", async () => {
  const store = createContentStore(root);
  const a = await store.receive(streamOf("hello ", "world"), 100);
  expect(a.sha256).toBe(new Bun.CryptoHasher("sha256").update("hello world").digest("hex"));
  expect(a.size).toBe(11);
  await store.commit(a);
  expect(store.pathOf(a.sha256)).toBe(join(root, "content", a.sha256.slice(0, 2), a.sha256.slice(2, 4), a.sha256));
  expect(await Bun.file(store.pathOf(a.sha256)).text()).toBe("hello world");
  const b = await store.receiveBytes(new TextEncoder().encode("hello world"));
  await store.commit(b);
  expect(tmpFiles()).toEqual([]);
  const all: string[] = [];
  for await (const sha of store.list()) all.push(sha);
  expect(all).toEqual([a.sha256]);
});

test("a body over the limit or one that breaks off mid-way leaves nothing behind", async () => {
  const store = createContentStore(root);
  await expect(store.receive(streamOf("12345", "67890", "x"), 10)).rejects.toBeInstanceOf(ContentTooLargeError);
  await expect(store.receive(streamOf("partial", new Error("client went away")), 100)).rejects.toThrow(
    "client went away",
  );
  expect(tmpFiles()).toEqual([]);
  const all: string[] = [];
  for await (const sha of store.list()) all.push(sha);
  expect(all).toEqual([]);
});

test("the start-up sweep removes temp files of an earlier (crashed) process but not this one's", async () => {
  const store = createContentStore(root);
  const mine = await store.receiveBytes(new TextEncoder().encode("in flight"));
  writeFileSync(join(root, "tmp", "upload-deadbeef0000-abc"), "half an upload");
  expect(await store.sweepTemp()).toBe(1);
  expect(tmpFiles()).toEqual([mine.tmpPath.split("/").pop()!]);
  await store.commit(mine);
  expect(tmpFiles()).toEqual([]);
});

test("content addresses are checked: no path can be built from anything but a hex SHA-256", () => {
  const store = createContentStore(root);
  expect(() => store.pathOf("../../etc/passwd")).toThrow();
  expect(() => store.pathOf("A".repeat(64))).toThrow();
});
