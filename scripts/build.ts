/**
 * Builds the single executable ./homeserver with `bun build --compile`. Migrations and every asset are
 * embedded, so the binary runs alone.
 *   --target bun-linux-arm64        cross-compile (Raspberry Pi 3/4/5, 64-bit OS); the arm64 runtime is
 *                                   fetched from the npm registry (@oven/bun-linux-aarch64)
 *   --compile-executable-path FILE  use this Bun runtime instead of fetching one (offline cross-compiles:
 *                                   `npm pack @oven/bun-linux-aarch64@<bun version>`, unpack, pass bin/bun)
 *   --outfile PATH                  default ./homeserver
 * The binary does not read .env or bunfig.toml from its working directory: configuration comes only
 * from the config file and HEARTH_* variables.
 */

import { join } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const eq = args.find((a) => a.startsWith(`${name}=`));
  if (eq) return eq.slice(name.length + 1);
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const target = opt("--target");
const executablePath = opt("--compile-executable-path");
const outfile = opt("--outfile") ?? join(root, "homeserver");
const pkg = await Bun.file(join(root, "package.json")).json();
const head = (await $`git -C ${root} rev-parse --short=12 HEAD`.nothrow().quiet()).stdout.toString().trim();
// A build from a tree with uncommitted changes says so.
const dirty =
  head && (await $`git -C ${root} status --porcelain --untracked-files=no`.nothrow().quiet()).stdout.length > 0;
const commit = head ? `${head}${dirty ? "-dirty" : ""}` : "unknown";

// The binary embeds the committed manifest; a stale one is an error (run `bun run gen`), never rewritten here.
const manifest = await $`bun run ${join(root, "scripts/gen-migrations.ts")} --check`.nothrow().quiet();
if (manifest.exitCode !== 0) {
  console.error(manifest.stderr.toString().trim() || "src/storage/migrations.gen.ts is stale: run `bun run gen`");
  process.exit(1);
}
const result = await Bun.build({
  entrypoints: [join(root, "src/main.ts")],
  compile: {
    outfile,
    ...(target ? { target: target as Bun.Build.CompileTarget } : {}),
    ...(executablePath ? { executablePath } : {}),
    autoloadDotenv: false,
    autoloadBunfig: false,
  },
  minify: { whitespace: true, syntax: true, identifiers: false },
  bytecode: true,
  sourcemap: "none",
  define: { HEARTH_VERSION: JSON.stringify(pkg.version), HEARTH_COMMIT: JSON.stringify(commit) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile} (version ${pkg.version}, commit ${commit}${target ? `, ${target}` : ""})`);
