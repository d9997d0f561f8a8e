/** Runs the CLI in-process with captured output, scripted answers and a temporary working directory. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../../src/cli/command";
import { InputEndedError, type Prompter } from "../../src/cli/prompt";
import { main } from "../../src/main";

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** The questions asked, in order (visible and secret). */
  questions: string[];
}

/** A prompter that answers from a list; running out of answers is the end of input. */
export function scriptedPrompter(answers: readonly string[], asked: string[]): Prompter & { closed: boolean } {
  const queue = [...answers];
  const next = async (q: string) => {
    asked.push(q);
    const a = queue.shift();
    if (a === undefined) throw new InputEndedError();
    return a;
  };
  const p = {
    closed: false,
    ask: next,
    askSecret: next,
    close() {
      p.closed = true;
    },
  };
  return p;
}

export async function runCli(
  argv: string[],
  opts: { cwd: string; answers?: readonly string[]; stdin?: string; env?: Record<string, string> },
): Promise<CliResult> {
  let out = "";
  let err = "";
  const questions: string[] = [];
  const ctx: CliContext = {
    env: opts.env ?? {},
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    prompter: opts.answers ? scriptedPrompter(opts.answers, questions) : null,
    readStdin: async () => opts.stdin ?? "",
    cwd: opts.cwd,
  };
  const code = await main(argv, ctx);
  return { code, out, err, questions };
}

export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), "hearth-cli-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** `init --yes` in `dir` with an admin (alice / "correct horse"), returning the result. */
export async function initServer(dir: string, extra: string[] = []): Promise<CliResult> {
  await Bun.write(join(dir, "admin-pw"), "correct horse\n");
  const r = await runCli(
    [
      "init",
      "--yes",
      "--server-name",
      "hs.test",
      "--public-url",
      "https://matrix.hs.test",
      "--admin-user",
      "alice",
      "--admin-password-file",
      "admin-pw",
      ...extra,
    ],
    { cwd: dir },
  );
  if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.err}`);
  return r;
}
