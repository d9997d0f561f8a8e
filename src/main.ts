#!/usr/bin/env bun
/** CLI entry: `homeserver <command> [subcommand] [options]`. One file per command in src/cli/. */
import { parseArgs, UsageError } from "./cli/args";
import { type CliContext, type Command, type CommandGroup, EXIT } from "./cli/command";
import { InterruptedError, terminalPrompter } from "./cli/prompt";
import { BUILD } from "./version";

/**
 * Every command, loaded on demand: `homeserver run` then evaluates only the modules it needs (the init
 * wizard, backups and the admin commands stay unloaded: ~1.7 MiB less resident memory when serving).
 */
export const COMMAND_LOADERS: Record<string, () => Promise<Command | CommandGroup>> = {
  init: async () => (await import("./cli/init")).initCommand,
  run: async () => (await import("./cli/run")).runCommand,
  user: async () => (await import("./cli/user")).userCommand,
  token: async () => (await import("./cli/token")).tokenCommand,
  room: async () => (await import("./cli/room")).roomCommand,
  media: async () => (await import("./cli/media")).mediaCommand,
  backup: async () => (await import("./cli/backup")).backupCommand,
  "hash-password": async () => (await import("./cli/hash-password")).hashPasswordCommand,
  version: async () => (await import("./cli/version")).versionCommand,
};

/** Every command, loaded (for help texts and the generated command reference). */
export async function loadCommands(): Promise<Record<string, Command | CommandGroup>> {
  const entries = await Promise.all(
    Object.entries(COMMAND_LOADERS).map(async ([n, load]) => [n, await load()] as const),
  );
  return Object.fromEntries(entries);
}

async function helpText(): Promise<string> {
  return `Hearth ${BUILD.version}: a Matrix homeserver for people who host their own.

Usage: homeserver <command> [options]

Commands:
${Object.entries(await loadCommands())
  .map(([n, c]) => `  ${n.padEnd(16)}${c.summary}`)
  .join("\n")}

Run \`homeserver <command> --help\` for a command's options.
Exit status: 0 success, 1 error, 2 wrong usage.
`;
}

/** Errors that describe a problem the operator can fix: printed as one message, exit status 1. */
const OPERATOR_ERRORS = new Set([
  "CliError",
  "ConfigError",
  "MatrixError",
  "ServerNameMismatchError",
  "SchemaTooNewError",
  "SigningKeyFileError",
  "InputEndedError",
]);

const isGroup = (c: Command | CommandGroup): c is CommandGroup => "subcommands" in c;
const isHelp = (a: string | undefined) => a === "--help" || a === "-h" || a === "help";

export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name)) {
    (name ? ctx.out : ctx.err)(await helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version") return (await import("./cli/version")).versionCommand.run(parseArgs([], []), ctx);
  const load = Object.hasOwn(COMMAND_LOADERS, name) ? COMMAND_LOADERS[name] : undefined;
  if (!load) {
    ctx.err(`homeserver: unknown command "${name}"\n\n${await helpText()}`);
    return EXIT.usage;
  }
  const entry = await load();

  let label = name;
  let cmd: Command;
  let args: string[] = rest;
  if (isGroup(entry)) {
    const [sub, ...subRest] = rest;
    if (sub === undefined || isHelp(sub)) {
      (sub ? ctx.out : ctx.err)(entry.help);
      return sub ? EXIT.ok : EXIT.usage;
    }
    const found = Object.hasOwn(entry.subcommands, sub) ? entry.subcommands[sub] : undefined;
    if (!found) {
      ctx.err(`homeserver ${name}: unknown subcommand "${sub}"\n\n${entry.help}`);
      return EXIT.usage;
    }
    label = `${name} ${sub}`;
    cmd = found;
    args = subRest;
  } else cmd = entry;

  try {
    const parsed = parseArgs(args, cmd.valueFlags);
    if (parsed.flags.get("help")) {
      ctx.out(cmd.help);
      return EXIT.ok;
    }
    return await cmd.run(parsed, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.err(
        `homeserver ${label}: ${e.message}\n${cmd.help.split("\n")[0]}\nRun \`homeserver ${label} --help\` for details.\n`,
      );
      return EXIT.usage;
    }
    if (e instanceof InterruptedError) return EXIT.interrupted;
    if (e instanceof Error && OPERATOR_ERRORS.has(e.name)) {
      ctx.err(`homeserver ${label}: ${e.message}\n`);
      return EXIT.error;
    }
    throw e;
  } finally {
    ctx.prompter?.close();
  }
}

/** The context of the real process. The terminal prompter exists only when standard input is a TTY. */
export function processContext(): CliContext {
  const out = (t: string) => void process.stdout.write(t);
  return {
    env: process.env,
    out,
    err: (t) => void process.stderr.write(t),
    prompter: process.stdin.isTTY ? terminalPrompter(process.stdin, out) : null,
    readStdin: () => Bun.stdin.text(),
    cwd: process.cwd(),
  };
}

if (import.meta.main) {
  main(process.argv.slice(2), processContext()).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(
        `homeserver: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exit(EXIT.error);
    },
  );
}
