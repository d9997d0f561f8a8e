/**
 * End-to-end encryption figures, on the real server (createServer, a SQLite file) over loopback
 * HTTP: POST /keys/query for the 500 users a user shares a room with (each with device keys and
 * cross-signing keys), and PUT /sendToDevice fanned out to 100 devices of one user (`*`), then the
 * recipient reading its inbox through the sync section.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { signingKeyFromSeed } from "../../src/core/crypto/ed25519";
import { signJson } from "../../src/core/crypto/sign-json";
import { encodeBase64 } from "../../src/core/json/base64";
import { createServer } from "../../src/server";
import { hashToken } from "../../src/services/auth/auth-service";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

const GROUP = "End-to-end encryption";
const SERVER = "bench.test";

function seed(i: number, salt: number): Uint8Array {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, i);
  s[31] = salt;
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-e2ee-"));
  const config = parseConfig({
    server_name: SERVER,
    public_base_url: "http://127.0.0.1:1",
    data_dir: dir,
    logging: { access_log: false, level: "error" },
    rate_limits: { enabled: false },
  });
  const server = createServer(config, { dataDir: dir, dbPath: join(dir, "bench.db"), logger: silentLogger });
  const { url } = server.listen("127.0.0.1", 0);
  const db = server.db.sqlite;
  const services = server.services;
  const now = Date.now();
  const tokens = new Map<string, string>();
  const addUser = (localpart: string, devices: string[]) => {
    const userId = `@${localpart}:${SERVER}`;
    db.query("INSERT INTO users (user_id, localpart, created_at) VALUES (?, ?, ?)").run(userId, localpart, now);
    for (const d of devices) {
      db.query("INSERT INTO devices (user_id, device_id, created_at) VALUES (?, ?, ?)").run(userId, d, now);
      const token = `tok_${localpart}_${d}`;
      db.query("INSERT INTO access_tokens (token_hash, user_id, device_id, created_at) VALUES (?, ?, ?, ?)").run(
        hashToken(token),
        userId,
        d,
        now,
      );
      tokens.set(`${userId}|${d}`, token);
    }
    return userId;
  };
  const post = async (method: string, path: string, token: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text;
  };

  try {
    const results: BenchResult[] = [];

    // 500 users with one device each, device keys and cross-signing keys, all in one room with Alice.
    const alice = addUser("alice", ["ALICE"]);
    const aliceToken = tokens.get(`${alice}|ALICE`)!;
    const { room_id: roomId } = services.rooms.createRoom(alice, { preset: "public_chat" } as never);
    const others: string[] = [];
    for (let i = 0; i < 500; i++) {
      const u = addUser(`user${i}`, ["DEV"]);
      others.push(u);
      services.rooms.membership.join(roomId, u);
      const key = signingKeyFromSeed(seed(i, 1), "DEV");
      const deviceKeys = signJson(
        {
          user_id: u,
          device_id: "DEV",
          algorithms: ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
          keys: { "curve25519:DEV": encodeBase64(seed(i, 2)), "ed25519:DEV": key.verifyKey.publicKeyBase64 },
        },
        u,
        key,
      );
      services.e2ee.keys.uploadKeys({ userId: u, deviceId: "DEV" }, { device_keys: deviceKeys });
      const pub = (s: number) => signingKeyFromSeed(seed(i, s), "x").verifyKey.publicKeyBase64;
      const master = signingKeyFromSeed(seed(i, 3), pub(3));
      const ssk = signingKeyFromSeed(seed(i, 4), pub(4));
      const csKey = (usage: string, k: typeof master) => ({
        user_id: u,
        usage: [usage],
        keys: { [`ed25519:${k.version}`]: k.version },
      });
      await services.e2ee.crossSigning.uploadKeys(
        { userId: u, deviceId: "DEV" },
        { master_key: csKey("master", master), self_signing_key: signJson(csKey("self_signing", ssk), u, master) },
      );
    }
    const queryBody = { device_keys: Object.fromEntries(others.map((u) => [u, []])) };
    let bytes = 0;
    for (let i = 0; i < 3; i++)
      bytes = (await post("POST", "/_matrix/client/v3/keys/query", aliceToken, queryBody)).length;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await post("POST", "/_matrix/client/v3/keys/query", aliceToken, queryBody);
      times.push(performance.now() - t);
    }
    results.push({
      group: GROUP,
      name: "POST /keys/query for 500 users sharing a room (1 device + cross-signing keys each)",
      value: median(times),
      unit: "ms",
      note: `median of 20 over loopback HTTP; response ${(bytes / 1024).toFixed(0)} KiB`,
    });

    const changeTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      services.e2ee.deviceListChanges(alice, 0, services.e2ee.currentPositions().deviceLists);
      changeTimes.push(performance.now() - t);
    }
    results.push({
      group: GROUP,
      name: "device_lists for a user in a room of 500 whose members all changed keys (since 0)",
      value: median(changeTimes),
      unit: "ms",
      note: "median of 20, service call (what each incremental /sync pays at worst)",
    });

    // To-device fan-out: one message to all 100 devices of a user.
    const devices = Array.from({ length: 100 }, (_, i) => `D${i}`);
    const bob = addUser("bob", devices);
    const content = {
      algorithm: "m.olm.v1.curve25519-aes-sha2",
      ciphertext: { x: { type: 0, body: "A".repeat(800) } },
    };
    let txn = 0;
    const send = () =>
      post("PUT", `/_matrix/client/v3/sendToDevice/m.room.encrypted/t${txn++}`, aliceToken, {
        messages: { [bob]: { "*": content } },
      });
    for (let i = 0; i < 5; i++) await send();
    const sendTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await send();
      sendTimes.push(performance.now() - t);
    }
    const perSend = median(sendTimes);
    results.push({
      group: GROUP,
      name: "PUT /sendToDevice to all 100 devices of a user (`*`, 1 KB each)",
      value: perSend,
      unit: "ms",
      note: `median of 50 over loopback HTTP: ${Math.round((100 * 1000) / perSend).toLocaleString("en-US")} messages stored/s`,
    });
    const readTimes: number[] = [];
    for (const d of devices.slice(0, 20)) {
      const t = performance.now();
      const s = services.e2ee.syncSection({ userId: bob, deviceId: d, since: null });
      services.e2ee.syncSection({ userId: bob, deviceId: d, since: s.next });
      readTimes.push(performance.now() - t);
    }
    results.push({
      group: GROUP,
      name: "one device reads and acknowledges its 55 waiting to-device messages (sync section)",
      value: median(readTimes),
      unit: "ms",
      note: "median of 20 devices, service calls",
    });
    return results;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
