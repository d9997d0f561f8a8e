/** What every CLI command is given and returns. Commands never call process.exit themselves. */
import type { ParsedArgs } from "./args";
import type { Prompter } from "./prompt";

/** A problem the operator can fix (missing file, user not found, ...): printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Exit codes: 0 success, 1 operational error, 2 usage error, 130 interrupted (Ctrl-C at a prompt). */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

export interface CliContext {
  env: Record<string, string | undefined>;
  /** Standard output (results, the wizard's questions). */
  out(text: string): void;
  /** Standard error (diagnostics). */
  err(text: string): void;
  /** Reads answers and passwords; null when standard input is not a terminal. */
  prompter: Prompter | null;
  /** Reads all of standard input (for `--password-file -`). */
  readStdin(): Promise<string>;
  /** The directory relative paths are resolved against. */
  cwd: string;
}

export interface Command {
  /** One line for `homeserver --help`. */
  summary: string;
  help: string;
  /** Options that take a value (all others are boolean flags). */
  valueFlags: readonly string[];
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

/** A command with subcommands, e.g. `user add`. */
export interface CommandGroup {
  summary: string;
  help: string;
  subcommands: Record<string, Command>;
}
