/**
 * The budgets of DESIGN.md section 3 as medians of several runs of the modules that measure them
 * (rooms, sync, push, startup), each with the machine's load average during the runs: these 2-core
 * machines are shared, and one run can be off by half. Group "Budgets (medians of several runs)".
 *   bun run bench perf                         3 runs of each module
 *   HEARTH_BENCH_RUNS=5 bun run bench perf     more
 * The start-up figures use a binary built from the working tree into a temporary directory (never
 * the checkout's ./homeserver, which may be stale or in use).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchModule, BenchResult } from "./types";

const GROUP = "Budgets (medians of several runs)";
const RUNS = Number(process.env.HEARTH_BENCH_RUNS ?? 3);
const ROOT = join(import.meta.dir, "../..");

/** Figures reported here (by the name the measuring module gives them); the others stay in their groups. */
const FIGURES = [
  "message sends/s, one client, sequential (HTTP)",
  "send latency p99, one client",
  "message sends/s, 10 concurrent clients, one room (HTTP)",
  "message sends/s, 10 concurrent clients, ten rooms (HTTP)",
  "database bytes per message event (text)",
  "resident memory after 100k events (100 users, 100 rooms)",
  "wake-up latency p50, 100 clients waiting, each in its own room; a send wakes one",
  "wake-up latency p99, 100 clients waiting, each in its own room; a send wakes one",
  "wake-up latency p50, 100 clients waiting in one room; a send wakes all 100",
  "wake-up latency p99, 100 clients waiting in one room; a send wakes all 100",
  "initial /sync, user in 100 rooms of 50 messages (median of 10)",
  "push processing per message, room of 100 local members",
  "push processing per message, room of 1,000 local members",
  "start to first served request (/versions), compiled binary",
  "idle resident memory after start, empty server",
];

const load = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));

async function buildBinary(dir: string): Promise<string> {
  const out = join(dir, "homeserver");
  const b = Bun.spawnSync(["bun", "run", join(ROOT, "scripts/build.ts"), "--outfile", out], {
    stdout: "ignore",
    stderr: "inherit",
  });
  if (b.exitCode !== 0) throw new Error("build failed");
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-perf-"));
  const previousBinary = process.env.HEARTH_TEST_BINARY;
  try {
    process.env.HEARTH_TEST_BINARY = await buildBinary(dir);
    const samples = new Map<string, { values: number[]; unit: string; budget?: BenchResult["budget"] }>();
    const loads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const name of ["rooms", "sync", "push", "startup"]) {
        const mod = (await import(join(import.meta.dir, `${name}.ts`))) as BenchModule;
        process.stderr.write(`  perf: ${name} run ${i + 1}/${RUNS} (load ${load()})\n`);
        loads.push(load());
        for (const r of await mod.run()) {
          if (!FIGURES.includes(r.name)) continue;
          const s = samples.get(r.name) ?? { values: [], unit: r.unit, ...(r.budget ? { budget: r.budget } : {}) };
          s.values.push(r.value);
          samples.set(r.name, s);
        }
        loads.push(load());
      }
    }
    const loadNote = `load average ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} on ${cpus().length} cores during the runs`;
    return FIGURES.filter((f) => samples.has(f)).map((name) => {
      const s = samples.get(name)!;
      return {
        group: GROUP,
        name,
        value: median(s.values),
        unit: s.unit,
        ...(s.budget ? { budget: s.budget } : {}),
        note: `median of ${s.values.length} (${s.values.map(fmt).join(", ")}); ${loadNote}`,
      };
    });
  } finally {
    if (previousBinary === undefined) delete process.env.HEARTH_TEST_BINARY;
    else process.env.HEARTH_TEST_BINARY = previousBinary;
    rmSync(dir, { recursive: true, force: true });
  }
}
