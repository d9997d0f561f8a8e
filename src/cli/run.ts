import { loadConfigFile } from "../config/load";
import { createServer } from "../server";
import { createLogger } from "../util/log";
import { flagString, type ParsedArgs, rejectUnknownFlags } from "./args";

export const RUN_HELP = `Usage: homeserver run [--config PATH]

Starts the homeserver with the given config (default ./homeserver.toml) and serves until stopped
with SIGTERM or SIGINT, then finishes in-flight requests and closes the database.

Options:
  --config PATH   Config file (default ./homeserver.toml; env HEARTH_CONFIG)
`;

export async function runCommand(args: ParsedArgs, env: Record<string, string | undefined>): Promise<number> {
  rejectUnknownFlags(args, ["config"]);
  const loaded = await loadConfigFile(flagString(args, "config") ?? env.HEARTH_CONFIG ?? "homeserver.toml", env);
  const logger = createLogger(loaded.config.logging.level);
  const server = createServer(loaded.config, { dataDir: loaded.dataDir, logger });
  const { url } = server.listen();
  logger.info("listening", { url, server_name: loaded.config.server_name });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info("shutting down", { signal });
      server.stop().then(resolve, (e) => {
        logger.error("error during shutdown", { error: String(e) });
        resolve();
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  logger.info("stopped");
  return 0;
}
