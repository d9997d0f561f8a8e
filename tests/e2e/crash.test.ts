/**
 * Crash safety: a burst of registrations against the homeserver program, killed with SIGKILL in the
 * middle of it. Every registration that was answered 200 must exist after a restart, with a working
 * access token.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";

let hs: BinaryServer;
beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "crash.e2e.test" });
}, 60_000);
afterAll(() => hs.cleanup());

async function register(username: string): Promise<{ user_id: string; access_token: string } | null> {
  const post = (body: unknown) =>
    fetch(`${hs.baseUrl}/_matrix/client/v3/register`, { method: "POST", body: JSON.stringify(body) });
  const body = { username, password: `${username} password` };
  const first = await post(body);
  if (first.status !== 401) return null;
  const { session } = (await first.json()) as { session: string };
  const second = await post({ ...body, auth: { type: "m.login.dummy", session } });
  if (second.status !== 200) return null;
  return (await second.json()) as { user_id: string; access_token: string };
}

test("every registration acknowledged before SIGKILL is there after restart", async () => {
  const acknowledged: { user_id: string; access_token: string }[] = [];
  let attempted = 0;
  let stop = false;
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      attempted++;
      // A connection cut by the kill is an unacknowledged registration: it may or may not exist.
      const r = await register(`burst${w}x${i}`).catch(() => null);
      if (r) acknowledged.push(r); // a 200 is an acknowledgement, even one that raced the kill
    }
  };
  const workers = Array.from({ length: 16 }, (_, w) => worker(w));
  // Kill in the middle of the burst, once a fair number are through.
  while (acknowledged.length < 24) await Bun.sleep(10);
  await hs.kill();
  stop = true;
  await Promise.all(workers);
  expect(attempted).toBeGreaterThan(acknowledged.length); // some were in flight when it died

  await hs.restart();
  const list = await hs.cli(["user", "list"]);
  expect(list.code).toBe(0);
  const present = new Set(list.stdout.split("\n").map((l) => l.split(/\s+/)[0]));
  const missing = acknowledged.filter((a) => !present.has(a.user_id)).map((a) => a.user_id);
  expect(missing).toEqual([]);
  // Their access tokens survived too.
  for (const a of acknowledged) {
    const who = await fetch(`${hs.baseUrl}/_matrix/client/v3/account/whoami`, {
      headers: { authorization: `Bearer ${a.access_token}` },
    });
    expect(who.status).toBe(200);
    expect(((await who.json()) as { user_id: string }).user_id).toBe(a.user_id);
  }
}, 60_000);
