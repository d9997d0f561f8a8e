/**
 * Runs every benchmark in scripts/bench/*.ts (each exports `run(): Promise<BenchResult[]>`) and writes
 * bench/RESULTS.md with the figures, the budgets from DESIGN.md, the machine and the command used.
 *   bun run bench                 all modules
 *   bun run bench crypto startup  only modules whose file name contains one of the words
 */
import { readdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { BenchModule, BenchResult } from "./bench/types";

const root = join(import.meta.dir, "..");
const filters = process.argv.slice(2);
const files = readdirSync(join(import.meta.dir, "bench"))
  .filter((f) => f.endsWith(".ts") && f !== "types.ts" && !f.startsWith("_"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

const results: BenchResult[] = [];
for (const f of files) {
  const mod = (await import(join(import.meta.dir, "bench", f))) as BenchModule;
  process.stderr.write(`bench ${f} ...\n`);
  const started = performance.now();
  const rows = await mod.run();
  process.stderr.write(`  ${rows.length} figures in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  results.push(...rows);
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));
const groups = [...new Set(results.map((r) => r.group))];
let md = `# Benchmark results\n\nWritten by \`bun run bench${filters.length ? ` ${filters.join(" ")}` : ""}\` (scripts/bench.ts) on ${new Date().toISOString().slice(0, 10)}.\n`;
md += `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Bun ${Bun.version}, ${process.platform}-${process.arch}.\n`;
md += "These machines are noisy: compare figures taken in the same run.\n";
for (const g of groups) {
  md += `\n## ${g}\n\n| what | figure | budget | within | note |\n| --- | ---: | ---: | :---: | --- |\n`;
  for (const r of results.filter((x) => x.group === g)) {
    const within = r.budget
      ? (r.budget.op === "<=" ? r.value <= r.budget.value : r.value >= r.budget.value)
        ? "yes"
        : "**no**"
      : "";
    const budget = r.budget ? `${r.budget.op} ${fmt(r.budget.value)} ${r.unit}` : "";
    md += `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${budget} | ${within} | ${r.note ?? ""} |\n`;
  }
}
const out = join(root, "bench/RESULTS.md");
if (filters.length) {
  // A partial run replaces only its own groups in the existing file.
  const old = await Bun.file(out)
    .text()
    .catch(() => "");
  const kept = old
    .split(/\n(?=## )/)
    .slice(1)
    .filter((sec) => !groups.some((g) => sec.startsWith(`## ${g}\n`)));
  const head = md.split(/\n(?=## )/);
  md = [head[0], ...kept.map((s) => s.trimEnd() + "\n"), ...head.slice(1)].join("\n");
}
await Bun.write(out, md);
console.log(md);
