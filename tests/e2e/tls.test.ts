/**
 * TLS in the real program (the compiled binary in CI), set up as an operator does it with
 * `homeserver init --yes --tls files|acme` and `homeserver run`:
 * - files: HTTPS with the operator's certificate; renewed files are served without a restart; SIGHUP
 *   re-reads them and does not end the process;
 * - acme: against a real ACME CA on loopback (pebble), the certificate is obtained at first start,
 *   the HTTP port redirects to HTTPS, a restart serves the stored certificate at once, and a
 *   short-lived certificate is renewed in the background and swapped in.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, homeserverCommand, runHomeserver } from "../helpers/binary-server";
import { PEBBLE_MISSING, startPebble } from "../helpers/pebble";
import { eventually, peerCertificate, selfSigned } from "../helpers/tls";

interface Running {
  proc: Bun.Subprocess<"ignore", "ignore", "pipe">;
  log(): string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-e2e-tls-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function init(dir: string, args: string[]): Promise<void> {
  const r = await runHomeserver(["init", "--yes", "--registration", "closed", ...args], { cwd: dir });
  if (r.code !== 0) throw new Error(`init failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

function run(dir: string, env: Record<string, string> = {}): Running {
  const proc = Bun.spawn([...homeserverCommand(), "run"], {
    cwd: dir,
    // The machine's own HEARTH_* settings stay out of it.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HEARTH_"))), ...env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let log = "";
  (async () => {
    const d = new TextDecoder();
    for await (const chunk of proc.stderr) log += d.decode(chunk, { stream: true });
  })();
  cleanups.push(async () => {
    if (proc.exitCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  });
  return { proc, log: () => log };
}

async function stopCleanly(r: Running): Promise<void> {
  r.proc.kill("SIGTERM");
  expect(await r.proc.exited).toBe(0);
}

describe("homeserver run with tls.mode = files", () => {
  test("serves HTTPS, picks up renewed files without a restart, survives SIGHUP", async () => {
    const dir = tempDir();
    const port = freePort();
    const first = selfSigned(["localhost", "127.0.0.1"], { cn: "first" });
    mkdirSync(join(dir, "tls"));
    writeFileSync(join(dir, "tls", "cert.pem"), first.certPem);
    writeFileSync(join(dir, "tls", "key.pem"), first.keyPem, { mode: 0o600 });
    await init(dir, [
      "--server-name",
      "hs.files.test",
      "--public-url",
      `https://localhost:${port}`,
      "--listen",
      `127.0.0.1:${port}`,
      "--tls",
      "files",
      "--cert-file",
      "tls/cert.pem",
      "--key-file",
      "tls/key.pem",
    ]);
    const r = run(dir);
    const health = (ca: string) => fetch(`https://127.0.0.1:${port}/health`, { tls: { ca } });
    await eventually("HTTPS to answer", async () => (await health(first.certPem)).ok);
    const versions = await fetch(`https://127.0.0.1:${port}/_matrix/client/versions`, { tls: { ca: first.certPem } });
    expect(versions.status).toBe(200);

    const second = selfSigned(["localhost", "127.0.0.1"], { cn: "second" });
    writeFileSync(join(dir, "tls", "key.new"), second.keyPem, { mode: 0o600 });
    renameSync(join(dir, "tls", "key.new"), join(dir, "tls", "key.pem"));
    writeFileSync(join(dir, "tls", "cert.new"), second.certPem);
    renameSync(join(dir, "tls", "cert.new"), join(dir, "tls", "cert.pem"));
    await eventually("the renewed certificate", async () => (await peerCertificate(port)).serial === second.serial);
    expect((await health(second.certPem)).ok).toBe(true);
    expect(r.log()).toContain("TLS certificate reloaded");

    r.proc.kill("SIGHUP");
    await eventually("the SIGHUP check", async () => r.log().includes("reason=SIGHUP"));
    expect(r.proc.exitCode).toBeNull();
    expect((await health(second.certPem)).ok).toBe(true);
    await stopCleanly(r);
  });

  test("refuses to start when the key does not belong to the certificate", async () => {
    const dir = tempDir();
    const port = freePort();
    const cert = selfSigned(["localhost"]);
    writeFileSync(join(dir, "cert.pem"), cert.certPem);
    writeFileSync(join(dir, "key.pem"), cert.keyPem, { mode: 0o600 });
    await init(dir, [
      "--server-name",
      "hs.files.test",
      "--public-url",
      `https://localhost:${port}`,
      "--listen",
      `127.0.0.1:${port}`,
      "--tls",
      "files",
      "--cert-file",
      "cert.pem",
      "--key-file",
      "key.pem",
    ]);
    writeFileSync(join(dir, "key.pem"), selfSigned(["localhost"]).keyPem);
    const r = await runHomeserver(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `homeserver run: ${join(dir, "key.pem")} does not belong to the certificate in ${join(dir, "cert.pem")}`,
    );
  });
});

describe.skipIf(PEBBLE_MISSING !== null)("homeserver run with tls.mode = acme (pebble)", () => {
  test("obtains, serves, redirects, restarts from the stored certificate, renews in the background", async () => {
    const domain = "hs.acme.test";
    const httpPort = freePort();
    const port = freePort();
    // 15-second certificates: renewal is due after 10 seconds.
    const pebble = await startPebble({ httpPort, validitySeconds: 15 });
    cleanups.push(() => pebble.stop());
    const root = await pebble.issuerRootPem();
    const dir = tempDir();
    await init(dir, [
      "--server-name",
      domain,
      "--public-url",
      `https://${domain}:${port}`,
      "--listen",
      `127.0.0.1:${port}`,
      "--tls",
      "acme",
      "--acme-email",
      "admin@example.org",
    ]);
    const env = {
      HEARTH_TLS__ACME_DIRECTORY_URL: pebble.directoryUrl,
      HEARTH_TLS__ACME_CA_FILE: pebble.directoryCaFile,
      HEARTH_TLS__HTTP_PORT: String(httpPort),
    };
    const https = (path: string) =>
      fetch(`https://127.0.0.1:${port}${path}`, { tls: { ca: root, serverName: domain } });

    let r = run(dir, env);
    await eventually("the first certificate", async () => (await https("/health")).ok, 30_000);
    expect(r.log()).toContain("TLS certificate obtained");
    const versions = await https("/_matrix/client/versions");
    expect(versions.status).toBe(200);
    const redirect = await fetch(`http://127.0.0.1:${httpPort}/_matrix/client/versions`, {
      redirect: "manual",
      headers: { host: domain },
    });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe(`https://${domain}:${port}/_matrix/client/versions`);
    const first = await peerCertificate(port, domain);

    // A crash and a restart: the stored certificate is served again, without a new order.
    r.proc.kill("SIGKILL");
    await r.proc.exited;
    r = run(dir, env);
    await eventually("HTTPS after the restart", async () => (await https("/health")).ok);
    expect(r.log()).toContain("serving the stored TLS certificate");
    expect((await peerCertificate(port, domain)).serial).toBe(first.serial);

    // The background timer renews the short-lived certificate and swaps it in.
    await eventually(
      "a renewed certificate",
      async () => (await peerCertificate(port, domain)).serial !== first.serial,
      40_000,
    );
    expect(r.log()).toContain("TLS certificate swapped in");
    expect((await https("/health")).ok).toBe(true);
    await stopCleanly(r);
  }, 90_000);
});

if (PEBBLE_MISSING) console.warn(PEBBLE_MISSING);
