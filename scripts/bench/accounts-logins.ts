/**
 * Logins per second (POST /login with m.login.password) on an in-process server, with the default
 * argon2id cost (64 MiB, 2 passes) and with the cheapest cost the config allows, sequential and
 * with 8 concurrent clients. Password verification dominates; it runs off the main thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

async function measure(argon: { memory: number; iterations: number }, concurrency: number, seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const config = parseConfig({
    server_name: "bench.test",
    public_base_url: "http://127.0.0.1:1",
    data_dir: dir,
    rate_limits: { enabled: false },
    logging: { access_log: false, level: "error" },
    auth: { argon2_memory_kib: argon.memory, argon2_iterations: argon.iterations },
  });
  const server = createServer(config, { dataDir: dir, dbPath: join(dir, "bench.db"), logger: silentLogger });
  await server.services.accounts.createUser({ localpart: "bench", password: "bench-password" });
  const body = JSON.stringify({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: "bench" },
    password: "bench-password",
  });
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const res = await server.fetch(
        new Request("http://bench.test/_matrix/client/v3/login", { method: "POST", body }),
      );
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
      await res.arrayBuffer();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = done / ((performance.now() - started) / 1000);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const group = "Accounts: logins";
  for (const [label, argon] of [
    ["default argon2id (64 MiB, t=2)", { memory: 65_536, iterations: 2 }],
    ["cheapest argon2id (1 MiB, t=1)", { memory: 1024, iterations: 1 }],
  ] as const) {
    for (const concurrency of [1, 8]) {
      const rate = await measure(argon, concurrency, 5);
      out.push({
        group,
        name: `logins/s, ${concurrency === 1 ? "sequential" : `${concurrency} concurrent`}, ${label}`,
        value: rate,
        unit: "logins/s",
        note: "each login: argon2id verify + device + token insert",
      });
    }
  }
  return out;
}
