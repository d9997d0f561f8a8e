#!/usr/bin/env bun
import { parseArgs, UsageError } from "./cli/args";
import { RUN_HELP, runCommand } from "./cli/run";
/** CLI entry: `homeserver <command> [options]`. */
import { ConfigError } from "./config/load";
import { BUILD } from "./version";

const HELP = `Hearth ${BUILD.version}: a Matrix homeserver for people who host their own.

Usage: homeserver <command> [options]

Commands:
  run                 Start the server
  version             Print the version and commit

Run \`homeserver <command> --help\` for a command's options.
`;

/** Errors that describe a problem the operator can fix: printed as one message, exit code 1. */
const OPERATOR_ERRORS = new Set(["ServerNameMismatchError", "SchemaTooNewError", "CliError", "MatrixError"]);

interface Command {
  help: string;
  valueFlags: readonly string[];
  run(args: ReturnType<typeof parseArgs>, env: Record<string, string | undefined>): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: { help: RUN_HELP, valueFlags: ["config"], run: runCommand },
  version: {
    help: "Usage: homeserver version\n\nPrints the version and the commit it was built from.\n",
    valueFlags: [],
    run: async () => {
      console.log(`hearth ${BUILD.version} (commit ${BUILD.commit})`);
      return 0;
    },
  },
};

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  if (name === "--version") return COMMANDS.version!.run(parseArgs([], []), env);
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`homeserver: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, cmd.valueFlags);
    if (args.flags.get("help")) {
      process.stdout.write(cmd.help);
      return 0;
    }
    return await cmd.run(args, env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`homeserver ${name}: ${e.message}\n\n${cmd.help}`);
      return 2;
    }
    if (e instanceof ConfigError || (e instanceof Error && OPERATOR_ERRORS.has(e.name))) {
      process.stderr.write(`homeserver ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`homeserver: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
