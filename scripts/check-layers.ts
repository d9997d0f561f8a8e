/**
 * Fails when an import goes against the layer direction:
 *   api -> services -> {storage, net} -> core;  config and util are leaves.
 * main.ts, server.ts and cli/ compose everything (nothing imports them but tests and main).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const src = join(root, "src");

// What each layer may import (besides itself). Third-party packages are checked separately.
const ALLOWED: Record<string, string[]> = {
  core: [],
  util: [],
  config: ["core", "util"],
  storage: ["core", "config", "util"],
  net: ["core", "config", "util"],
  services: ["core", "config", "util", "storage", "net"],
  api: ["core", "config", "util", "services"],
  cli: ["core", "config", "util", "storage", "net", "services", "root"],
  root: ["core", "config", "util", "storage", "net", "services", "api", "cli", "root"],
};
// Packages a layer may import; core stays pure: only zod and node:crypto.
const PACKAGES: Record<string, RegExp> = {
  core: /^(zod|node:crypto)$/,
  util: /^(node:.*)$/,
};
const FORBIDDEN_GLOBALS: Record<string, RegExp> = {
  // core is pure and synchronous: no clock, no runtime APIs, no environment, no I/O, nothing async.
  core: /(\bDate\.now\(|\bBun\.|\bprocess\.env|\bsetTimeout\(|\basync\s|\bawait\s|\bglobalThis\.fetch)/,
};

function layerOf(file: string): string {
  const rel = relative(src, file);
  const first = rel.split("/")[0]!;
  if (!rel.includes("/")) return "root";
  return first;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
const problems: string[] = [];

for (const file of walk(src)) {
  const layer = layerOf(file);
  const allowed = ALLOWED[layer];
  const text = readFileSync(file, "utf8");
  const rel = relative(root, file);
  if (!allowed) {
    problems.push(`${rel}: folder "${layer}" is not a known layer (add it to scripts/check-layers.ts)`);
    continue;
  }
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith(".")) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src)) continue; // e.g. migrations/*.sql
      const isDir = (() => {
        try {
          return statSync(target).isDirectory();
        } catch {
          return false;
        }
      })();
      const to = layerOf(isDir ? join(target, "index.ts") : target.endsWith(".ts") ? target : `${target}.ts`);
      if (to !== layer && !allowed.includes(to)) problems.push(`${rel}: ${layer} must not import ${to} ("${spec}")`);
    } else if (PACKAGES[layer] && !PACKAGES[layer]!.test(spec)) {
      problems.push(`${rel}: ${layer} must not import the package "${spec}"`);
    }
  }
  const globals = FORBIDDEN_GLOBALS[layer];
  if (globals) {
    const code = text.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
    const g = globals.exec(code);
    if (g) problems.push(`${rel}: ${layer} must not use ${g[1]} (pass time, I/O and config in as parameters)`);
  }
}

if (problems.length) {
  console.error(`Layer check failed (${problems.length}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("Layer check passed.");
