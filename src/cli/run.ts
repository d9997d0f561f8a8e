import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { createServer } from "../server";
import { TlsSetupError } from "../services/tls/certificate";
import { createLogger } from "../util/log";
import { positionals, rejectUnknownFlags } from "./args";
import { CliError, type Command } from "./command";
import { CONFIG_FLAG_HELP, databasePath, loadConfig, refuseRootOnServiceData } from "./open-server";

export const runCommand: Command = {
  summary: "Start the server",
  help: `Usage: homeserver run [--config PATH]

Starts the homeserver with the given config and serves until stopped with SIGTERM or SIGINT
(Ctrl-C); then it stops accepting connections, finishes the requests in flight, closes the
database and exits with status 0.

TLS follows [tls] mode in the config: plain HTTP behind a reverse proxy, HTTPS with certificate
files (re-read when they change), or HTTPS with certificates obtained and renewed by ACME.
SIGHUP re-reads the certificate files, or checks the ACME certificate at once (retrying a failed
request without waiting).

Options:
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["config"]);
    positionals(args, []);
    const loaded = await loadConfig(args, ctx);
    if (!existsSync(loaded.dataDir)) {
      throw new CliError(`the data directory ${loaded.dataDir} does not exist: run \`homeserver init\` first`);
    }
    refuseRootOnServiceData(loaded.dataDir);
    const logger = createLogger(loaded.config.logging.level);
    logger.info("starting", { config: loaded.path, database: databasePath(loaded) });
    const server = createServer(loaded.config, {
      dataDir: loaded.dataDir,
      logger,
      ...(loaded.path ? { configDir: dirname(loaded.path) } : {}),
    });
    let url: string;
    try {
      url = server.listen().url;
    } catch (e) {
      await server.stop();
      if (e instanceof TlsSetupError) throw new CliError(e.message);
      const { host, port } = loaded.config.listen;
      const code = (e as { code?: string }).code;
      const why =
        code === "EADDRINUSE"
          ? "the address is already in use (is another server running?)"
          : code === "EACCES"
            ? "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            : (e as Error).message;
      throw new CliError(`cannot listen on ${host}:${port}: ${why}`);
    }
    logger.info("listening", { url, server_name: loaded.config.server_name, tls: loaded.config.tls.mode });
    // SIGHUP re-reads the certificate files (or checks the ACME certificate now) instead of ending the process.
    const onHangup = () => {
      server.reloadCertificates("SIGHUP").catch((e) => logger.error("reload failed", { error: String(e) }));
    };
    process.on("SIGHUP", onHangup);

    const signal = await new Promise<string>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    process.off("SIGHUP", onHangup);
    logger.info("shutting down", { signal });
    // A second signal while draining exits at once.
    const force = () => {
      logger.warn("second signal: exiting without waiting");
      process.exit(1);
    };
    process.once("SIGTERM", force);
    process.once("SIGINT", force);
    try {
      await server.stop();
    } catch (e) {
      logger.error("error during shutdown", { error: String(e) });
      return 1;
    }
    logger.info("stopped");
    return 0;
  },
};
