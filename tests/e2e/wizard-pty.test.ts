/**
 * The interactive wizard on a real pseudo-terminal (Bun.spawn's `terminal` option): questions,
 * defaults, re-asking, line editing, passwords without echo, Ctrl-C.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, homeserverCommand, runHomeserver } from "../helpers/binary-server";

/** A program on a pseudo-terminal, driven like `expect`. */
class PtySession {
  output = "";
  private seen = 0;
  readonly proc: Bun.Subprocess;
  constructor(args: string[], cwd: string) {
    const decoder = new TextDecoder();
    this.proc = Bun.spawn([...homeserverCommand(), ...args], {
      cwd,
      env: { ...process.env, HEARTH_CONFIG: "", TERM: "xterm" },
      terminal: {
        cols: 120,
        rows: 40,
        data: (_t: unknown, d: Uint8Array) => {
          this.output += decoder.decode(d, { stream: true });
        },
      },
    } as Parameters<typeof Bun.spawn>[1]);
  }
  /** Waits until `text` appears after the previous match; returns what came before it. */
  async expect(text: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.output.indexOf(text, this.seen);
      if (at !== -1) {
        const before = this.output.slice(this.seen, at);
        this.seen = at + text.length;
        return before;
      }
      if (Date.now() > deadline || this.proc.exitCode !== null) {
        throw new Error(`expected ${JSON.stringify(text)}; the terminal showed:\n${this.output.slice(this.seen)}`);
      }
      await Bun.sleep(10);
    }
  }
  send(text: string): void {
    (this.proc as unknown as { terminal: { write(s: string): void } }).terminal.write(text);
  }
  /** Answers `question` (waits for it first). */
  async answer(question: string, text: string): Promise<string> {
    const before = await this.expect(question);
    this.send(`${text}\r`);
    return before;
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hearth-pty-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("homeserver init on a terminal", () => {
  test("asks its questions, re-asks bad answers, hides the password, and writes a working setup", async () => {
    const port = freePort();
    const t = new PtySession(["init"], dir);
    await t.answer("Server name: ", "bad name");
    await t.expect("the server name must be a DNS name");
    // Line editing: a typo fixed with Backspace, and an arrow key that is ignored.
    await t.answer("Server name: ", "pty.tesx\x7ft\x1b[D");
    await t.answer("Public URL [https://pty.test]: ", "");
    await t.expect("How is HTTPS provided?");
    await t.answer("Choose acme/files/reverse-proxy [reverse-proxy]: ", "9");
    await t.expect("answer one of acme/files/reverse-proxy (or 1-3)");
    await t.answer("Choose acme/files/reverse-proxy [reverse-proxy]: ", "3");
    await t.answer("Listen address and port [127.0.0.1:8008]: ", `127.0.0.1:${port}`);
    await t.answer("Choose closed/token/open [closed]: ", "open");
    await t.answer("Admin username [admin]: ", "");
    await t.answer("Admin password: ", "pty secret one");
    await t.answer("Admin password (again): ", "pty secret two");
    await t.expect("The passwords do not match");
    await t.answer("Admin password: ", "pty secret one");
    await t.answer("Admin password (again): ", "pty secret one");
    const summary = await t.answer("Write this configuration? (yes/no) [yes]: ", "");
    expect(summary).toMatch(/Server name\s+pty\.test/);
    expect(summary).toMatch(/Listen on\s+127\.0\.0\.1:\d+/);
    expect(summary).toMatch(/Admin\s+@admin:pty\.test/);
    await t.expect("Still to do:");
    expect(await t.proc.exited).toBe(0);

    // Typed text is echoed, passwords are not.
    expect(t.output).toContain("bad name");
    expect(t.output).not.toContain("pty secret");

    // The setup works: run it and log in as the admin with the password typed above.
    const run = Bun.spawn([...homeserverCommand(), "run"], { cwd: dir, stderr: "pipe" });
    try {
      let up = false;
      for (let i = 0; i < 500 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!up) await Bun.sleep(20);
      }
      const login = await fetch(`http://127.0.0.1:${port}/_matrix/client/v3/login`, {
        method: "POST",
        body: JSON.stringify({ type: "m.login.password", user: "admin", password: "pty secret one" }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user_id: string }).user_id).toBe("@admin:pty.test");
    } finally {
      run.kill("SIGTERM");
      expect(await run.exited).toBe(0);
    }
  }, 60_000);

  test("Ctrl-C quits with status 130 and writes nothing", async () => {
    const t = new PtySession(["init"], dir);
    await t.answer("Server name: ", "pty.test");
    await t.expect("Public URL [https://pty.test]: ");
    t.send("\x03");
    expect(await t.proc.exited).toBe(130);
    expect(existsSync(join(dir, "homeserver.toml"))).toBe(false);
    expect(existsSync(join(dir, "data"))).toBe(false);
  }, 30_000);

  test("user add asks for the password twice without echo", async () => {
    const init = await runHomeserver(["init", "--yes", "--server-name", "pty.test"], { cwd: dir });
    expect(init.code).toBe(0);
    const t = new PtySession(["user", "add", "petra"], dir);
    await t.answer("Password: ", "petra's hidden password");
    await t.answer("Password (again): ", "petra's hidden password");
    await t.expect("Created @petra:pty.test.");
    expect(await t.proc.exited).toBe(0);
    expect(t.output).not.toContain("hidden");
  }, 30_000);
});
