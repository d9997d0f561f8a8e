/** Passwords for the CLI: from a file (`-` for standard input) or typed twice at a terminal, never from argv. */
import { resolve } from "node:path";
import { UsageError } from "./args";
import { type CliContext, CliError } from "./command";
import type { Prompter } from "./prompt";

/** The file's content without its final line break. */
export async function readPasswordFile(path: string, ctx: CliContext): Promise<string> {
  let text: string;
  if (path === "-") text = await ctx.readStdin();
  else {
    const file = Bun.file(resolve(ctx.cwd, path));
    if (!(await file.exists())) throw new CliError(`password file not found: ${path}`);
    text = await file.text();
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new CliError(`the password file ${path === "-" ? "(standard input)" : path} is empty`);
  if (password.includes("\n")) throw new CliError("the password file must hold one line");
  return password;
}

/**
 * Asks for a new password twice without echo until both match and `check` accepts it (it returns a
 * reason to refuse, or null).
 */
export async function promptNewPassword(
  prompter: Prompter,
  say: (text: string) => void,
  check: (password: string) => string | null,
  label = "Password",
): Promise<string> {
  for (;;) {
    const first = await prompter.askSecret(`${label}: `);
    const problem = check(first);
    if (problem) {
      say(`  ${problem}\n`);
      continue;
    }
    const second = await prompter.askSecret(`${label} (again): `);
    if (first === second) return first;
    say("  The passwords do not match; try again.\n");
  }
}

/**
 * The new password for a command: from `--<flag> FILE`, else asked at the terminal. Without a
 * terminal and without the flag, a usage error says what to pass.
 */
export async function newPassword(
  file: string | undefined,
  ctx: CliContext,
  opts: { flag: string; check: (password: string) => string | null },
): Promise<string> {
  if (file !== undefined) {
    const password = await readPasswordFile(file, ctx);
    const problem = opts.check(password);
    if (problem) throw new CliError(problem);
    return password;
  }
  if (!ctx.prompter) {
    throw new UsageError(
      `standard input is not a terminal, so the password cannot be asked for: pass --${opts.flag} FILE (or - to read it from standard input)`,
    );
  }
  return promptNewPassword(ctx.prompter, ctx.out, opts.check);
}
