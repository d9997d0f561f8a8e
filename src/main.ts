#!/usr/bin/env bun
/** CLI entry: `homeserver <command> [subcommand] [options]`. One file per command in src/cli/. */
import { parseArgs, UsageError } from "./cli/args";
import { backupCommand } from "./cli/backup";
import { type CliContext, type Command, type CommandGroup, EXIT } from "./cli/command";
import { hashPasswordCommand } from "./cli/hash-password";
import { initCommand } from "./cli/init";
import { mediaCommand } from "./cli/media";
import { InterruptedError, terminalPrompter } from "./cli/prompt";
import { roomCommand } from "./cli/room";
import { runCommand } from "./cli/run";
import { tokenCommand } from "./cli/token";
import { userCommand } from "./cli/user";
import { versionCommand } from "./cli/version";
import { BUILD } from "./version";

export const COMMANDS: Record<string, Command | CommandGroup> = {
  init: initCommand,
  run: runCommand,
  user: userCommand,
  token: tokenCommand,
  room: roomCommand,
  media: mediaCommand,
  backup: backupCommand,
  "hash-password": hashPasswordCommand,
  version: versionCommand,
};

const HELP = `Hearth ${BUILD.version}: a Matrix homeserver for people who host their own.

Usage: homeserver <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(16)}${c.summary}`)
  .join("\n")}

Run \`homeserver <command> --help\` for a command's options.
Exit status: 0 success, 1 error, 2 wrong usage.
`;

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
    (name ? ctx.out : ctx.err)(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version") return versionCommand.run(parseArgs([], []), ctx);
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    ctx.err(`homeserver: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }

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
