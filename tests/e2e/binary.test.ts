/**
 * The homeserver program as an operator runs it: `init --yes`, `run`, operator commands while it
 * runs, and a clean stop on SIGTERM. In CI this is the compiled binary ($HEARTH_TEST_BINARY).
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BinaryServer,
  freePort,
  runHomeserver,
  startBinaryServer,
  usingCompiledBinary,
} from "../helpers/binary-server";

let hs: BinaryServer;
beforeAll(async () => {
  hs = await startBinaryServer({ admin: { user: "root", password: "root password" } });
});
afterAll(() => hs.cleanup());

describe("the running server", () => {
  test("answers /health, /versions and the well-known documents from its config", async () => {
    const health = await fetch(`${hs.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");

    const versions = (await (await fetch(`${hs.baseUrl}/_matrix/client/versions`)).json()) as { versions: string[] };
    expect(versions.versions).toContain("v1.1");

    const client = await (await fetch(`${hs.baseUrl}/.well-known/matrix/client`)).json();
    expect(client).toEqual({ "m.homeserver": { base_url: hs.baseUrl } });
  });

  test("an unknown endpoint is 404 M_UNRECOGNIZED", async () => {
    const r = await fetch(`${hs.baseUrl}/_matrix/client/v3/nothing-here`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { errcode: string }).errcode).toBe("M_UNRECOGNIZED");
  });

  test("init created the admin: it can log in", async () => {
    const r = await fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: "root" },
        password: "root password",
      }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { user_id: string }).user_id).toBe(`@root:${hs.serverName}`);
  });

  test("behind a reverse proxy on the same machine, the client's address comes from X-Forwarded-For", async () => {
    const login = await fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", user: "root", password: "root password" }),
    });
    const { access_token, device_id } = (await login.json()) as { access_token: string; device_id: string };
    const headers = { authorization: `Bearer ${access_token}`, "x-forwarded-for": "10.9.8.7, 203.0.113.9" };
    expect((await fetch(`${hs.baseUrl}/_matrix/client/v3/account/whoami`, { headers })).status).toBe(200);
    const device = (await (
      await fetch(`${hs.baseUrl}/_matrix/client/v3/devices/${device_id}`, { headers })
    ).json()) as { last_seen_ip?: string };
    expect(device.last_seen_ip).toBe("203.0.113.9");
  });

  test("operator commands work while it runs", async () => {
    const add = await hs.cli(["user", "add", "olive", "--password-file", "-"], { stdin: "olive's password\n" });
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    // The running server sees the new account at once.
    const login = await fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      body: JSON.stringify({ type: "m.login.password", user: "olive", password: "olive's password" }),
    });
    expect(login.status).toBe(200);
    const list = await hs.cli(["user", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`@olive:${hs.serverName}`);

    const backup = await hs.cli(["backup", join(hs.dir, "backup.db")]);
    expect(backup.code).toBe(0);
    const db = new Database(join(hs.dir, "backup.db"), { readonly: true });
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
    expect(db.query("SELECT count(*) AS n FROM users").get()).toEqual({ n: 2 });
    db.close();
  });
});

describe("the program's exit codes", () => {
  test("version prints the version and the commit it was built from", async () => {
    const r = await runHomeserver(["version"], { cwd: hs.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hearth \d+\.\d+\.\d+\S* \(commit ([0-9a-f]{7,}(-dirty)?|unknown)\)\n$/);
    if (usingCompiledBinary()) expect(r.stdout).toMatch(/\(commit [0-9a-f]{12}(-dirty)?\)/);
  });

  test("usage errors exit 2, operational errors 1, help 0", async () => {
    expect((await runHomeserver([], { cwd: hs.dir })).code).toBe(2);
    expect((await runHomeserver(["launch"], { cwd: hs.dir })).code).toBe(2);
    expect((await runHomeserver(["user", "add"], { cwd: hs.dir })).code).toBe(2);
    expect((await runHomeserver(["run", "--help"], { cwd: hs.dir })).code).toBe(0);
    const noConfig = await runHomeserver(["user", "list", "--config", "missing.toml"], { cwd: hs.dir });
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toMatch(/No config file at .*missing\.toml/);
    expect(noConfig.stderr).not.toContain("    at "); // no stack trace for an operator's mistake
  });

  test("a second `run` on a busy port says so and exits 1", async () => {
    const r = await hs.cli(["run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the address is already in use");
  });
});

describe("stopping", () => {
  test("SIGTERM finishes the request in flight, then exits 0 with the database closed", async () => {
    // A login whose body is still arriving when SIGTERM is sent.
    let push!: (chunk: string) => void;
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (c) => controller.enqueue(new TextEncoder().encode(c));
        end = () => controller.close();
      },
    });
    const inFlight = fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    push('{"type": "m.login.password", "user": "root", ');
    await Bun.sleep(200);
    const stopped = hs.stop();
    await Bun.sleep(200);
    push('"password": "root password"}');
    end();
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(((await r.json()) as { user_id: string }).user_id).toBe(`@root:${hs.serverName}`);
    expect(await stopped).toBe(0);
    expect(hs.log()).toContain("shutting down signal=SIGTERM");
    expect(hs.log()).toContain("stopped");
    // Closing the last connection checkpoints and removes the write-ahead log.
    expect(existsSync(join(hs.dir, "data", "homeserver.db-wal"))).toBe(false);
    // And it no longer accepts connections.
    await expect(fetch(`${hs.baseUrl}/health`)).rejects.toThrow();
  });

  test("SIGINT (Ctrl-C) stops it cleanly too", async () => {
    await hs.restart();
    expect(await hs.stop("SIGINT")).toBe(0);
    expect(hs.log()).toContain("shutting down signal=SIGINT");
    expect(existsSync(join(hs.dir, "data", "homeserver.db-wal"))).toBe(false);
  });

  test("starting with another server name is refused with a clear message", async () => {
    const err = await hs.restart({ HEARTH_SERVER_NAME: "renamed.test" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("exited with 1");
    expect((err as Error).message).toContain(
      `This database belongs to server "${hs.serverName}", but the config says server_name = "renamed.test"`,
    );
    await hs.restart();
    expect((await fetch(`${hs.baseUrl}/health`)).status).toBe(200);
  });
});

describe.if(usingCompiledBinary())("the compiled binary alone", () => {
  test("copied to an empty directory, it sets up and serves (migrations and assets are embedded)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-alone-"));
    try {
      copyFileSync(process.env.HEARTH_TEST_BINARY!, join(dir, "homeserver"));
      await Bun.$`chmod +x ${join(dir, "homeserver")}`;
      const port = freePort();
      const env = { PATH: "/usr/bin:/bin", HOME: dir };
      const init = Bun.spawnSync(
        ["./homeserver", "init", "--yes", "--server-name", "alone.test", "--listen", `127.0.0.1:${port}`],
        { cwd: dir, env },
      );
      expect(init.stderr.toString()).toBe("");
      expect(init.exitCode).toBe(0);
      const run = Bun.spawn(["./homeserver", "run"], { cwd: dir, env, stderr: "pipe" });
      try {
        let ok = false;
        for (let i = 0; i < 300 && !ok; i++) {
          ok = await fetch(`http://127.0.0.1:${port}/_matrix/client/versions`).then(
            (r) => r.ok,
            () => false,
          );
          if (!ok) await Bun.sleep(20);
        }
        expect(ok).toBe(true);
      } finally {
        run.kill("SIGTERM");
        expect(await run.exited).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
