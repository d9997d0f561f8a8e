/**
 * Compares the routes the server registers with the spec's endpoint list
 * (shared/matrix-spec/endpoints.csv, copied to scripts/endpoints.csv so the repo is self-contained) and
 * writes the table between the markers in README.md ("What works"), or prints it with --print.
 *   bun run scripts/endpoint-coverage.ts [--print] [--check]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load";
import { createServer } from "../src/server";
import { silentLogger } from "../src/util/log";

const root = join(import.meta.dir, "..");
const csv = await Bun.file(join(import.meta.dir, "endpoints.csv")).text();

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const [header, ...rows] = csv.trim().split("\n");
const cols = parseCsvLine(header!);
const spec = rows.map((r) => {
  const v = parseCsvLine(r);
  return Object.fromEntries(cols.map((c, i) => [c, v[i] ?? ""])) as Record<string, string>;
});

const dataDir = mkdtempSync(join(tmpdir(), "hearth-coverage-"));
// Optional features are switched on, so that the table shows everything the server can serve.
const server = createServer(
  parseConfig({
    server_name: "coverage.test",
    public_base_url: "https://coverage.test",
    data_dir: dataDir,
    media: { url_preview: { enabled: true } },
  }),
  {
    dataDir,
    dbPath: ":memory:",
    logger: silentLogger,
  },
);
const routes = server.app.routes.list();
await server.stop();
rmSync(dataDir, { recursive: true, force: true });

const normal = (p: string) => p.replace(/\{[^}]+\}/g, ":p").replace(/:[A-Za-z_]+/g, ":p");
const served = new Set(routes.map((r) => `${r.method} ${normal(r.path)}`));
// Paths registered with an optional trailing part (e.g. state with an empty key) count for the spec path.
const isServed = (method: string, path: string) => served.has(`${method} ${normal(path)}`);

const apis = ["client-server", "server-server", "application-service", "identity", "push-gateway"];
// Only the APIs a homeserver serves: client-server and server-server (push gateways and identity
// servers are other programs; application services are called by us).
const relevant = spec.filter((r) => r.api === "client-server" || r.api === "server-server");
let md = "| API | endpoints served | in the spec |\n| --- | ---: | ---: |\n";
let details = "";
for (const api of apis) {
  const list = relevant.filter((r) => r.api === api);
  if (list.length === 0) continue;
  const missing = list.filter((r) => !isServed(r.method!, r.path!));
  md += `| ${api} | ${list.length - missing.length} | ${list.length} |\n`;
  if (missing.length) {
    details += `\n<details><summary>${api}: not served yet (${missing.length})</summary>\n\n`;
    details += missing.map((r) => `- \`${r.method} ${r.path}\``).join("\n");
    details += "\n\n</details>\n";
  }
}
md += details;

if (process.argv.includes("--print")) {
  console.log(md);
  process.exit(0);
}
const readmePath = join(root, "README.md");
const readme = await Bun.file(readmePath).text();
const start = "<!-- endpoint-coverage:start -->";
const end = "<!-- endpoint-coverage:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i === -1 || j === -1) {
  console.error("README.md has no endpoint-coverage markers");
  process.exit(1);
}
const next = `${readme.slice(0, i + start.length)}\n${md}${readme.slice(j)}`;
if (process.argv.includes("--check")) {
  if (next !== readme) {
    console.error("README.md endpoint coverage is stale: run `bun run scripts/endpoint-coverage.ts`");
    process.exit(1);
  }
} else await Bun.write(readmePath, next);
