/**
 * tls.mode = "files": the server speaks HTTPS with the operator's certificate files, refuses to start
 * with a clear message when they cannot be used, and picks up renewed files without a restart.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load";
import { createServer } from "../../../src/server";
import { TlsSetupError } from "../../../src/services/tls/certificate";
import { type Clock, manualClock } from "../../../src/util/clock";
import { eventually, peerCertificate, recordingLogger, selfSigned, type TestCert, writePair } from "../../helpers/tls";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-tls-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function filesServer(tls: Record<string, unknown>, opts: { configDir?: string; clock?: Clock } = {}) {
  const dataDir = tempDir();
  const logger = recordingLogger();
  const config = parseConfig({
    server_name: "hs.tls.test",
    public_base_url: "https://localhost",
    data_dir: dataDir,
    logging: { access_log: false },
    tls: { mode: "files", ...tls },
  });
  const server = createServer(config, {
    dataDir,
    dbPath: ":memory:",
    logger,
    ...(opts.configDir ? { configDir: opts.configDir } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    tls: { filesPollIntervalMs: 60_000 },
  });
  cleanups.push(() => server.stop());
  return { server, logger };
}

const versions = (port: number, cert: TestCert) =>
  fetch(`https://127.0.0.1:${port}/_matrix/client/versions`, { tls: { ca: cert.certPem } });

describe("tls.mode = files", () => {
  test("serves the client API over HTTPS with the configured certificate", async () => {
    const dir = tempDir();
    const cert = selfSigned(["localhost", "127.0.0.1"]);
    const { certFile, keyFile } = writePair(dir, cert);
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile });
    const { port, url } = server.listen("127.0.0.1", 0);
    expect(url).toBe(`https://127.0.0.1:${port}`);

    const res = await versions(port, cert);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { versions: string[] }).versions).toContain("v1.1");
    expect((await peerCertificate(port)).serial).toBe(cert.serial);
    // A client that does not trust the certificate is refused by TLS itself.
    await expect(fetch(`https://127.0.0.1:${port}/_matrix/client/versions`)).rejects.toThrow();
    // Plain HTTP on the HTTPS port gets no API answer.
    await expect(fetch(`http://127.0.0.1:${port}/_matrix/client/versions`).then((r) => r.status)).rejects.toThrow();
    expect(logger.has("info", "serving HTTPS with the certificate files")).toBe(true);
  });

  test("relative paths are read from the config file's directory", async () => {
    const dir = tempDir();
    const cert = selfSigned(["localhost", "127.0.0.1"]);
    writePair(dir, cert);
    const { server } = filesServer({ cert_file: "cert.pem", key_file: "key.pem" }, { configDir: dir });
    const { port } = server.listen("127.0.0.1", 0);
    expect((await versions(port, cert)).status).toBe(200);
  });

  test("a renewed certificate (files replaced as certbot does) is served without a restart", async () => {
    const dir = tempDir();
    const first = selfSigned(["localhost", "127.0.0.1"], { cn: "first" });
    const { certFile, keyFile } = writePair(dir, first);
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile });
    const { port } = server.listen("127.0.0.1", 0);
    expect((await versions(port, first)).status).toBe(200);

    const second = selfSigned(["localhost", "127.0.0.1"], { cn: "second" });
    // Written to temporary names and renamed over the old files, key first.
    writeFileSync(`${keyFile}.new`, second.keyPem, { mode: 0o600 });
    renameSync(`${keyFile}.new`, keyFile);
    writeFileSync(`${certFile}.new`, second.certPem);
    renameSync(`${certFile}.new`, certFile);

    await eventually(
      "the second certificate to be served",
      async () => (await peerCertificate(port)).serial === second.serial,
    );
    expect((await versions(port, second)).status).toBe(200);
    await expect(versions(port, first)).rejects.toThrow();
    const reloaded = logger.lines.find((l) => l.msg === "TLS certificate reloaded");
    expect(reloaded?.fields.serial).toBe(second.serial);
  });

  test("a half-written renewal keeps the old certificate until the key matches, then switches", async () => {
    const dir = tempDir();
    const first = selfSigned(["localhost", "127.0.0.1"], { cn: "first" });
    const { certFile, keyFile } = writePair(dir, first);
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile });
    const { port } = server.listen("127.0.0.1", 0);

    const second = selfSigned(["localhost", "127.0.0.1"], { cn: "second" });
    writeFileSync(certFile, second.certPem); // the key is still the first one's
    await server.reloadCertificates("test");
    expect(logger.has("warn", "cannot be used; still serving the previous certificate")).toBe(true);
    expect(logger.lines.find((l) => l.level === "warn")?.fields.problem).toContain(
      "does not belong to the certificate",
    );
    expect((await peerCertificate(port)).serial).toBe(first.serial);
    expect((await versions(port, first)).status).toBe(200);

    writeFileSync(keyFile, second.keyPem);
    await server.reloadCertificates("SIGHUP");
    expect((await peerCertificate(port)).serial).toBe(second.serial);
    expect((await versions(port, second)).status).toBe(200);
  });

  test("a request in flight during a swap completes", async () => {
    const dir = tempDir();
    const first = selfSigned(["localhost", "127.0.0.1"], { cn: "first" });
    const { certFile, keyFile } = writePair(dir, first);
    const { server } = filesServer({ cert_file: certFile, key_file: keyFile });
    const { port } = server.listen("127.0.0.1", 0);
    // A long-poll /sync would hold the connection; a slow upload body does the same with less setup.
    let push: ((chunk: Uint8Array) => void) | null = null;
    let finish: (() => void) | null = null;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        push = (c) => ctrl.enqueue(c);
        finish = () => ctrl.close();
      },
    });
    const pending = fetch(`https://127.0.0.1:${port}/_matrix/client/v3/login`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      tls: { ca: first.certPem },
    });
    push!(new TextEncoder().encode('{"type":'));
    await Bun.sleep(100);
    const second = selfSigned(["localhost", "127.0.0.1"], { cn: "second" });
    writePair(dir, second);
    await server.reloadCertificates("test");
    expect((await peerCertificate(port)).serial).toBe(second.serial);
    push!(
      new TextEncoder().encode('"m.login.password","identifier":{"type":"m.id.user","user":"nobody"},"password":"x"}'),
    );
    finish!();
    const res = await pending;
    expect(res.status).toBe(403); // answered by the old listener: the login itself is simply wrong
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
  });
});

describe("tls.mode = files warns before the certificate expires", () => {
  test("less than 14 days left: a warning with the date", () => {
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"], { days: 5 }));
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile });
    server.listen("127.0.0.1", 0);
    const warn = logger.lines.find((l) => l.level === "warn");
    expect(warn?.msg).toBe(`the TLS certificate ${certFile} expires in 5 day(s): renew it`);
    expect(warn?.fields.names).toEqual(["localhost"]);
  });

  test("expired: an error, and the certificate is still served (clients decide)", async () => {
    const dir = tempDir();
    const cert = selfSigned(["localhost", "127.0.0.1"], { days: 30 });
    const { certFile, keyFile } = writePair(dir, cert);
    const clock = manualClock(Date.now() + 31 * 86_400_000);
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile }, { clock });
    const { port } = server.listen("127.0.0.1", 0);
    expect(logger.has("error", `the TLS certificate ${certFile} has EXPIRED`)).toBe(true);
    expect((await peerCertificate(port)).serial).toBe(cert.serial);
  });

  test("a certificate with months left: no warning", () => {
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"], { days: 90 }));
    const { server, logger } = filesServer({ cert_file: certFile, key_file: keyFile });
    server.listen("127.0.0.1", 0);
    expect(logger.lines.filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
  });
});

describe("tls.mode = files refuses to start with a clear message", () => {
  const listenError = (tls: Record<string, unknown>): string => {
    const { server } = filesServer(tls);
    try {
      server.listen("127.0.0.1", 0);
    } catch (e) {
      expect(e).toBeInstanceOf(TlsSetupError);
      return (e as Error).message;
    }
    throw new Error("listen() did not refuse");
  };

  test("missing certificate file", () => {
    const dir = tempDir();
    const { keyFile } = writePair(dir, selfSigned(["localhost"]));
    expect(listenError({ cert_file: join(dir, "nope.pem"), key_file: keyFile })).toBe(
      `tls.cert_file: ${join(dir, "nope.pem")} does not exist`,
    );
  });

  test("missing key file", () => {
    const dir = tempDir();
    const { certFile } = writePair(dir, selfSigned(["localhost"]));
    expect(listenError({ cert_file: certFile, key_file: join(dir, "nope.key") })).toBe(
      `tls.key_file: ${join(dir, "nope.key")} does not exist`,
    );
  });

  test("unreadable key file", () => {
    if (process.getuid?.() === 0) {
      // root reads any file; drop to `nobody` is not possible in-process, so check the message shape on a directory instead.
      const dir = tempDir();
      const { certFile } = writePair(dir, selfSigned(["localhost"]));
      expect(listenError({ cert_file: certFile, key_file: dir })).toBe(
        `tls.key_file: ${dir} is a directory, not a PEM file`,
      );
      return;
    }
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"]));
    chmodSync(keyFile, 0o000);
    expect(listenError({ cert_file: certFile, key_file: keyFile })).toContain(
      `tls.key_file: cannot read ${keyFile}: permission denied`,
    );
  });

  test("a certificate file that is not PEM", () => {
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"]));
    writeFileSync(certFile, "hello\n");
    expect(listenError({ cert_file: certFile, key_file: keyFile })).toBe(
      `${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  });

  test("a key that does not belong to the certificate", () => {
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"]));
    writeFileSync(keyFile, selfSigned(["localhost"]).keyPem);
    expect(listenError({ cert_file: certFile, key_file: keyFile })).toBe(
      `${keyFile} does not belong to the certificate in ${certFile} (the first certificate of the chain must be the server's own)`,
    );
  });

  test("key and certificate swapped", () => {
    const dir = tempDir();
    const { certFile, keyFile } = writePair(dir, selfSigned(["localhost"]));
    expect(listenError({ cert_file: keyFile, key_file: certFile })).toBe(
      `${keyFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  });
});
