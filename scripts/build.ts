/**
 * Builds the single executable ./homeserver with `bun build --compile`. Migrations and every asset are
 * embedded, so the binary runs alone. Options: --target bun-linux-arm64 (cross-compile), --outfile PATH.
 */

import { join } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const target = opt("--target");
const outfile = opt("--outfile") ?? join(root, "homeserver");
const pkg = await Bun.file(join(root, "package.json")).json();
const commit =
  (await $`git -C ${root} rev-parse --short=12 HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";

await $`bun run ${join(root, "scripts/gen-migrations.ts")}`.quiet();
const result = await Bun.build({
  entrypoints: [join(root, "src/main.ts")],
  compile: target ? { target: target as "bun-linux-x64", outfile } : { outfile },
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
