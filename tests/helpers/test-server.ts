/** Starts a real server in this process on 127.0.0.1 with a fresh database. Nothing is shared between servers. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import type { Clock } from "../../src/util/clock";
import { silentLogger } from "../../src/util/log";

export interface TestServer {
  baseUrl: string;
  server: Server;
  dataDir: string;
  /** fetch relative to baseUrl, with an optional access token and JSON body. */
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  stop(): Promise<void>;
}

type Overrides = Record<string, unknown>;

function merge(a: Overrides, b: Overrides): Overrides {
  const out: Overrides = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && typeof out[k] === "object"
        ? merge(out[k] as Overrides, v as Overrides)
        : v;
  }
  return out;
}

export async function startTestServer(
  opts: { serverName?: string; config?: Overrides; clock?: Clock; dbPath?: string } = {},
): Promise<TestServer> {
  const serverName = opts.serverName ?? "hs1.test";
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-test-"));
  const config = parseConfig(
    merge(
      {
        server_name: serverName,
        public_base_url: "http://127.0.0.1:1",
        data_dir: dataDir,
        registration: { mode: "open" },
        rate_limits: { enabled: false },
        logging: { access_log: false, level: "error" },
      },
      opts.config ?? {},
    ),
  );
  const server = createServer(config, {
    dataDir,
    dbPath: opts.dbPath ?? ":memory:",
    logger: silentLogger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const { url } = server.listen("127.0.0.1", 0);
  return {
    baseUrl: url,
    server,
    dataDir,
    request(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined;
      if (o.rawBody !== undefined) body = o.rawBody;
      else if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers["content-type"] = "application/json";
      }
      return fetch(`${url}${path}`, { method, headers, body });
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
