/**
 * The real homeserver as a separate process, set up the way an operator does it: `homeserver init
 * --yes ...` in a temporary directory, then `homeserver run`. The program is $HEARTH_TEST_BINARY (the
 * compiled binary, in CI) or else `bun src/main.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** argv prefix that runs the homeserver program. */
export function homeserverCommand(): string[] {
  const bin = process.env.HEARTH_TEST_BINARY;
  return bin ? [bin] : [process.execPath, join(ROOT, "src/main.ts")];
}

export const usingCompiledBinary = (): boolean => Boolean(process.env.HEARTH_TEST_BINARY);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `homeserver <args>` to completion in `cwd`. */
export async function runHomeserver(
  args: string[],
  opts: { cwd: string; stdin?: string; env?: Record<string, string> },
): Promise<CliRun> {
  const proc = Bun.spawn([...homeserverCommand(), ...args], {
    cwd: opts.cwd,
    env: { ...cleanEnv(), ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** The environment without HEARTH_* / SERVER_NAME settings of the machine running the tests. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("HEARTH_") && k !== "SERVER_NAME") env[k] = v;
  }
  return env;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export interface BinaryServerOptions {
  serverName?: string;
  registration?: "closed" | "token" | "open";
  /** Creates this admin (password `adminPassword`). */
  admin?: { user: string; password: string };
  /** More `init` flags. */
  initArgs?: string[];
  /** Environment for `run`. */
  env?: Record<string, string>;
}

export interface BinaryServer {
  baseUrl: string;
  serverName: string;
  dir: string;
  configPath: string;
  /** Output of `init`. */
  initOutput: string;
  /** Everything `run` wrote to stderr so far (the log). */
  log(): string;
  /** Runs another `homeserver` command against this server's config. */
  cli(args: string[], opts?: { stdin?: string; env?: Record<string, string> }): Promise<CliRun>;
  /** SIGTERM (or `signal`), then the exit code (the process must exit by itself). */
  stop(signal?: "SIGTERM" | "SIGINT"): Promise<number>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Starts `run` again on the same config and data (after stop or kill). */
  restart(env?: Record<string, string>): Promise<void>;
  /** Stops with SIGTERM if running (throws unless it exits 0), deletes the directory. */
  cleanup(): Promise<void>;
}

async function waitForHealth(baseUrl: string, proc: Bun.Subprocess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`homeserver run exited with ${proc.exitCode}:\n${log()}`);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(20);
  }
  throw new Error(`homeserver run did not answer /health within 15 s:\n${log()}`);
}

export async function startBinaryServer(opts: BinaryServerOptions = {}): Promise<BinaryServer> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const serverName = opts.serverName ?? "hs.e2e.test";
  const port = freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const configPath = join(dir, "homeserver.toml");
  const initArgs = [
    "init",
    "--yes",
    "--server-name",
    serverName,
    "--public-url",
    baseUrl,
    "--listen",
    `127.0.0.1:${port}`,
    "--registration",
    opts.registration ?? "open",
  ];
  if (opts.admin) {
    writeFileSync(join(dir, "admin-password"), `${opts.admin.password}\n`, { mode: 0o600 });
    initArgs.push("--admin-user", opts.admin.user, "--admin-password-file", "admin-password");
  }
  initArgs.push(...(opts.initArgs ?? []));
  const init = await runHomeserver(initArgs, { cwd: dir });
  if (init.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`homeserver init failed (${init.code}):\n${init.stdout}\n${init.stderr}`);
  }

  let proc: Bun.Subprocess<"ignore", "ignore", "pipe"> | null = null;
  let stderr = "";
  const start = async (env?: Record<string, string>) => {
    stderr = "";
    const p = Bun.spawn([...homeserverCommand(), "run", "--config", configPath], {
      cwd: dir,
      // Rate limits off: tests register and log in quickly from one address.
      env: { ...cleanEnv(), HEARTH_RATE_LIMITS__ENABLED: "false", ...opts.env, ...env },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    proc = p;
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of p.stderr) stderr += decoder.decode(chunk, { stream: true });
    })();
    await waitForHealth(baseUrl, p, () => stderr);
  };
  await start();

  const server: BinaryServer = {
    baseUrl,
    serverName,
    dir,
    configPath,
    initOutput: init.stdout,
    log: () => stderr,
    cli: (args, o = {}) => runHomeserver([...args, "--config", configPath], { cwd: dir, ...o }),
    async stop(signal = "SIGTERM") {
      const p = proc;
      if (!p) throw new Error("not running");
      p.kill(signal);
      const code = await p.exited;
      proc = null;
      return code;
    },
    async kill() {
      const p = proc;
      if (!p) throw new Error("not running");
      p.kill("SIGKILL");
      await p.exited;
      proc = null;
    },
    restart: (env) => start(env),
    async cleanup() {
      const p = proc;
      proc = null;
      let code = 0;
      if (p) {
        // A clean stop is part of every test: SIGTERM must end the process with status 0.
        p.kill("SIGTERM");
        const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
        code = await p.exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`homeserver run exited with ${code} on SIGTERM:\n${stderr}`);
    },
  };
  return server;
}
