/**
 * Opens the configured homeserver's database and services for an operator command. Works while the
 * server runs: SQLite's WAL and busy timeout let a second process read and write.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { type LoadedConfig, loadConfigFile } from "../config/load";
import { createServer, type Server } from "../server";
import { silentLogger } from "../util/log";
import { flagString, type ParsedArgs } from "./args";
import { type CliContext, CliError } from "./command";

export const CONFIG_FLAG_HELP = "  --config PATH   Config file (default ./homeserver.toml; env HEARTH_CONFIG)\n";

export function configPath(args: ParsedArgs, ctx: CliContext): string {
  return resolve(ctx.cwd, flagString(args, "config") ?? (ctx.env.HEARTH_CONFIG || "homeserver.toml"));
}

export async function loadConfig(args: ParsedArgs, ctx: CliContext): Promise<LoadedConfig> {
  return loadConfigFile(configPath(args, ctx), ctx.env);
}

export function databasePath(loaded: LoadedConfig): string {
  return join(loaded.dataDir, "homeserver.db");
}

/** Runs `fn` with the server's services (no HTTP listener) and closes the database afterwards. */
export async function withServer<T>(args: ParsedArgs, ctx: CliContext, fn: (server: Server) => Promise<T>): Promise<T> {
  const loaded = await loadConfig(args, ctx);
  const dbPath = databasePath(loaded);
  refuseRootOnServiceData(loaded.dataDir);
  if (!existsSync(dbPath)) {
    throw new CliError(`no database at ${dbPath}: run \`homeserver init\` first (or pass the right --config)`);
  }
  const server = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/**
 * Root running a command on a data directory that belongs to the service user would leave files
 * (the database's -wal and -shm) the service can no longer open. Refuse, and say how to run it.
 */
export function refuseRootOnServiceData(dataDir: string): void {
  if (process.getuid?.() !== 0 || !existsSync(dataDir)) return;
  const owner = statSync(dataDir).uid;
  if (owner === 0) return;
  const name = userName(owner) ?? String(owner);
  throw new CliError(
    `${dataDir} belongs to ${name}; run this as that user so the files stay usable by the service: sudo -u ${name} homeserver ...`,
  );
}

function userName(uid: number): string | null {
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    return line ? line.split(":")[0]! : null;
  } catch {
    return null;
  }
}
