/**
 * Start-up, memory and size of the compiled binary, and password logins per second, measured on the
 * real program (`homeserver init --yes` then `homeserver run`) as an operator runs it.
 *   bun run bench startup
 * Uses ./homeserver (built first if missing) or $HEARTH_TEST_BINARY.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchResult } from "./types";

const ROOT = join(import.meta.dir, "../..");
const RUNS = 9;

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error("no VmRSS");
  return Number(m[1]) / 1024;
}

async function binary(): Promise<string> {
  const bin = process.env.HEARTH_TEST_BINARY ?? join(ROOT, "homeserver");
  if (!existsSync(bin)) {
    const b = Bun.spawnSync(["bun", "run", join(ROOT, "scripts/build.ts")], { stdout: "inherit", stderr: "inherit" });
    if (b.exitCode !== 0) throw new Error("build failed");
  }
  return bin;
}

interface Setup {
  dir: string;
  port: number;
  run(): Bun.Subprocess;
}

function setUp(bin: string, admin: boolean): Setup {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const port = freePort();
  const args = ["init", "--yes", "--server-name", "bench.test", "--listen", `127.0.0.1:${port}`];
  if (admin) {
    writeFileSync(join(dir, "pw"), "bench password\n");
    args.push("--admin-user", "bench", "--admin-password-file", join(dir, "pw"));
  }
  const init = Bun.spawnSync([bin, ...args], { cwd: dir });
  if (init.exitCode !== 0) throw new Error(`init failed: ${init.stderr}`);
  return {
    dir,
    port,
    run: () =>
      Bun.spawn([bin, "run"], {
        cwd: dir,
        stdout: "ignore",
        stderr: "ignore",
        env: { ...process.env, HEARTH_RATE_LIMITS__ENABLED: "false", HEARTH_LOGGING__ACCESS_LOG: "false" },
      }),
  };
}

async function firstResponse(url: string, deadlineMs: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadlineMs) throw new Error("server did not answer");
    await Bun.sleep(1);
  }
}

/** The 1-minute load average: these figures move a lot when other work shares the machine. */
const loadNote = () =>
  `load average ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]} on ${navigator.hardwareConcurrency} cores`;

export async function run(): Promise<BenchResult[]> {
  const bin = await binary();
  const loadAtStart = loadNote();
  const results: BenchResult[] = [];
  const group = "Startup and memory";

  // Start to first served request, and memory once idle, over several cold starts of one setup.
  const s = setUp(bin, false);
  const startMs: number[] = [];
  const rss: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const proc = s.run();
      await firstResponse(`http://127.0.0.1:${s.port}/_matrix/client/versions`, t0 + 10_000);
      startMs.push(performance.now() - t0);
      await Bun.sleep(1000);
      rss.push(rssMiB(proc.pid));
      proc.kill("SIGTERM");
      await proc.exited;
    }
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
  results.push({
    group,
    name: "start to first served request (/versions), compiled binary",
    value: median(startMs),
    unit: "ms",
    budget: { op: "<=", value: 300 },
    note: `median of ${RUNS} starts (min ${Math.min(...startMs).toFixed(0)}, max ${Math.max(...startMs).toFixed(0)}); includes process spawn, module evaluation and opening the database; ${loadAtStart}`,
  });
  results.push({
    group,
    name: "idle resident memory after start, empty server",
    value: median(rss),
    unit: "MiB",
    budget: { op: "<=", value: 60 },
    note: "VmRSS 1 s after the first request, median of the same starts; about 15 MiB of it is anonymous memory (heap), the rest pages of the executable itself (RssFile)",
  });
  results.push({
    group,
    name: "binary size",
    value: statSync(bin).size / 2 ** 20,
    unit: "MiB",
    note: "linux-x64, bun build --compile --bytecode --minify (mostly the Bun runtime)",
  });

  // Password logins per second (argon2id verification dominates).
  const a = setUp(bin, true);
  const proc = a.run();
  try {
    const base = `http://127.0.0.1:${a.port}`;
    await firstResponse(`${base}/health`, performance.now() + 10_000);
    const login = async () => {
      const r = await fetch(`${base}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", user: "bench", password: "bench password" }),
      });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${await r.text()}`);
    };
    await login(); // warm-up
    for (const concurrency of [1, 4]) {
      const total = concurrency === 1 ? 10 : 24;
      let left = total;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (left-- > 0) await login();
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      results.push({
        group: "Accounts",
        name: `password logins per second, ${concurrency === 1 ? "one client, sequential" : `${concurrency} concurrent clients`}`,
        value: total / seconds,
        unit: "logins/s",
        note: `${total} logins (m.login.password, argon2id with the default cost: 64 MiB, 2 passes), compiled binary; ${loadNote()}`,
      });
    }
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(a.dir, { recursive: true, force: true });
  }
  return results;
}
