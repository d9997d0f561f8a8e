/**
 * tls.mode = "acme" against a real ACME CA on loopback (Debian's pebble): the server obtains its
 * certificate with HTTP-01 at first start, serves HTTPS with it, renews it when due (the clock is moved)
 * and swaps it in without a restart; its HTTP port answers challenges and redirects everything else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load";
import type { AcmeClient } from "../../../src/net/acme-client";
import { createServer, type Server } from "../../../src/server";
import { TlsSetupError } from "../../../src/services/tls/certificate";
import { type Clock, manualClock } from "../../../src/util/clock";
import { freePort } from "../../helpers/binary-server";
import { PEBBLE_MISSING, type Pebble, startPebble } from "../../helpers/pebble";
import { peerCertificate, recordingLogger, selfSigned } from "../../helpers/tls";

const DOMAIN = "hs.acme.test";

interface AcmeServer {
  server: Server;
  logger: ReturnType<typeof recordingLogger>;
  dataDir: string;
  httpsPort: number;
  httpPort: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function acmeServer(o: {
  directoryUrl: string;
  caFile?: string;
  httpPort: number;
  clock?: Clock;
  dataDir?: string;
  client?: AcmeClient;
  tls?: Record<string, unknown>;
  publicUrl?: string;
}): AcmeServer {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), "hearth-acme-"));
  if (!o.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const httpsPort = freePort();
  const logger = recordingLogger();
  const config = parseConfig({
    server_name: DOMAIN,
    public_base_url: o.publicUrl ?? `https://${DOMAIN}:${httpsPort}`,
    data_dir: dataDir,
    listen: { host: "127.0.0.1", port: httpsPort },
    logging: { access_log: false },
    tls: {
      mode: "acme",
      acme_email: "admin@example.org",
      acme_directory_url: o.directoryUrl,
      ...(o.caFile ? { acme_ca_file: o.caFile } : {}),
      http_port: o.httpPort,
      ...o.tls,
    },
  });
  const server = createServer(config, {
    dataDir,
    dbPath: join(dataDir, "homeserver.db"),
    logger,
    ...(o.clock ? { clock: o.clock } : {}),
    tls: { acme: { ...(o.client ? { client: o.client } : {}) } },
  });
  cleanups.push(() => server.stop());
  return { server, logger, dataDir, httpsPort, httpPort: o.httpPort };
}

/** fetch over HTTPS to 127.0.0.1, verifying the certificate for DOMAIN against `ca`. */
const httpsGet = (port: number, path: string, ca: string) =>
  fetch(`https://127.0.0.1:${port}${path}`, { tls: { ca, serverName: DOMAIN } });

const refused = async (port: number): Promise<boolean> => {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return false;
  } catch {
    return true;
  }
};

describe("tls.mode = acme (scripted CA)", () => {
  test("HTTPS is not served until the first certificate arrives, then it is", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const client: AcmeClient = {
      directoryUrl: "https://ca.test/dir",
      async obtainCertificate(req) {
        await gate;
        return selfSigned([...req.domains], { keyPem: req.certificateKeyPem }).certPem;
      },
    };
    const s = acmeServer({ directoryUrl: "https://ca.test/dir", httpPort: freePort(), client });
    s.server.listen();
    expect(await refused(s.httpsPort)).toBe(true);
    expect(s.logger.has("info", "HTTPS starts once a certificate has been obtained")).toBe(true);
    // The HTTP port is up meanwhile.
    const r = await fetch(`http://127.0.0.1:${s.httpPort}/`, { redirect: "manual" });
    expect(r.status).toBe(301);

    release();
    expect(await s.server.frontend!.acme!.check()).toBe("obtained");
    const cert = s.server.frontend!.acme!.current()!;
    const res = await httpsGet(s.httpsPort, "/_matrix/client/versions", cert.certPem);
    expect(res.status).toBe(200);
    expect(s.logger.has("info", "listening (HTTPS)")).toBe(true);
  });

  test("refuses settings that cannot work, before serving anything", () => {
    const port = freePort();
    const err = (o: Parameters<typeof acmeServer>[0]) => {
      const s = acmeServer(o);
      try {
        s.server.listen();
      } catch (e) {
        expect(e).toBeInstanceOf(TlsSetupError);
        return (e as Error).message;
      }
      throw new Error("listen() did not refuse");
    };
    expect(err({ directoryUrl: "https://ca.test/dir", httpPort: port, publicUrl: `http://${DOMAIN}` })).toBe(
      `tls.mode = "acme" serves HTTPS, so public_base_url must start with https:// (it is http://${DOMAIN})`,
    );
    expect(err({ directoryUrl: "https://ca.test/dir", httpPort: port, publicUrl: "https://192.0.2.7" })).toBe(
      `tls.mode = "acme" needs a DNS name, but public_base_url's host is the address 192.0.2.7: set tls.acme_domains, or use tls.mode = "files"`,
    );
    expect(
      err({ directoryUrl: "https://ca.test/dir", httpPort: port, tls: { acme_ca_file: "/nonexistent/ca.pem" } }),
    ).toStartWith("tls.acme_ca_file: cannot read /nonexistent/ca.pem:");
    const busy = Bun.listen({ hostname: "127.0.0.1", port: freePort(), socket: { data() {} } });
    cleanups.push(() => busy.stop(true));
    expect(err({ directoryUrl: "https://ca.test/dir", httpPort: busy.port })).toBe(
      `cannot listen on 127.0.0.1:${busy.port} (tls.http_port, for ACME challenges): the address is already in use (is a web server running on it?)`,
    );
  });
});

describe.skipIf(PEBBLE_MISSING !== null)("tls.mode = acme (pebble)", () => {
  let pebble: Pebble;
  const httpPort = freePort();
  let root: string;

  beforeAll(async () => {
    pebble = await startPebble({ httpPort });
    root = await pebble.issuerRootPem();
  });
  afterAll(async () => {
    await pebble?.stop();
  });

  test("obtains a certificate at first start, serves HTTPS with it, renews it when due without a restart", async () => {
    const clock = manualClock(Date.now());
    const s = acmeServer({ directoryUrl: pebble.directoryUrl, caFile: pebble.directoryCaFile, httpPort, clock });
    s.server.listen();
    const acme = s.server.frontend!.acme!;
    expect(await acme.check()).toBe("obtained");

    const res = await httpsGet(s.httpsPort, "/_matrix/client/versions", root);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { versions: string[] }).versions).toContain("v1.1");
    const first = await peerCertificate(s.httpsPort, DOMAIN);
    expect(first.subjectaltname).toBe(`DNS:${DOMAIN}`);
    // pebble fetched the HTTP-01 answer from our HTTP port.
    expect(pebble.log()).toContain(`http://${DOMAIN}:${httpPort}/.well-known/acme-challenge/`);

    // Not due: nothing happens.
    expect(await acme.check()).toBe("not-due");
    // A third of the lifetime (at most 30 days) before expiry, the next check renews.
    clock.set(acme.renewalDueAt()! + 1);
    expect(await acme.check()).toBe("obtained");
    const second = await peerCertificate(s.httpsPort, DOMAIN);
    expect(second.serial).not.toBe(first.serial);
    expect((await httpsGet(s.httpsPort, "/_matrix/client/versions", root)).status).toBe(200);
    expect(s.logger.has("info", "TLS certificate swapped in")).toBe(true);

    // A restart on the same data directory serves the stored certificate at once and orders nothing.
    await s.server.stop();
    clock.set(Date.now()); // back from the renewal date: the new certificate is far from due
    const again = acmeServer({
      directoryUrl: pebble.directoryUrl,
      caFile: pebble.directoryCaFile,
      httpPort,
      clock,
      dataDir: s.dataDir,
    });
    again.server.listen();
    expect((await peerCertificate(again.httpsPort, DOMAIN)).serial).toBe(second.serial);
    expect(await again.server.frontend!.acme!.check()).toBe("not-due");
    expect(again.logger.has("info", "requesting a TLS certificate")).toBe(false);
  });

  test("the HTTP port redirects to HTTPS (301 for GET, 308 otherwise) and answers only known challenges", async () => {
    const s = acmeServer({ directoryUrl: pebble.directoryUrl, caFile: pebble.directoryCaFile, httpPort });
    s.server.listen();
    expect(await s.server.frontend!.acme!.check()).toBe("obtained");
    const http = (path: string, init: RequestInit = {}, host = `${DOMAIN}:${httpPort}`) =>
      fetch(`http://127.0.0.1:${httpPort}${path}`, { ...init, redirect: "manual", headers: { host } });

    const get = await http("/_matrix/client/versions?x=1");
    expect(get.status).toBe(301);
    expect(get.headers.get("location")).toBe(`https://${DOMAIN}:${s.httpsPort}/_matrix/client/versions?x=1`);
    const post = await http("/_matrix/client/v3/login", { method: "POST", body: "{}" });
    expect(post.status).toBe(308);
    expect(post.headers.get("location")).toBe(`https://${DOMAIN}:${s.httpsPort}/_matrix/client/v3/login`);
    // Another Host header does not choose the target.
    const evil = await http("/", {}, "evil.example");
    expect(evil.headers.get("location")).toBe(`https://${DOMAIN}:${s.httpsPort}/`);
    // No order is running: every token is unknown, and no redirect hides that.
    const challenge = await http("/.well-known/acme-challenge/abc_DEF-123");
    expect(challenge.status).toBe(404);
    expect(await challenge.text()).toBe("No such ACME challenge.\n");
  });

  test("an order the CA cannot validate is logged with the CA's reason, and HTTPS stays off", async () => {
    // pebble validates on `httpPort`, where nothing of this server listens.
    const s = acmeServer({ directoryUrl: pebble.directoryUrl, caFile: pebble.directoryCaFile, httpPort: freePort() });
    s.server.listen();
    expect(await s.server.frontend!.acme!.check()).toBe("failed");
    const err = s.logger.lines.find((l) => l.level === "error")!;
    expect(err.msg).toBe("could not obtain a TLS certificate; HTTPS is unavailable until one is obtained");
    expect(String(err.fields.problem)).toContain(DOMAIN);
    expect(String(err.fields.hint)).toContain("port 80");
    expect(await refused(s.httpsPort)).toBe(true);
    // The next attempt waits (backoff); the server keeps running.
    expect(await s.server.frontend!.acme!.check()).toBe("waiting");
    expect((await s.server.fetch(new Request("http://x/health"))).status).toBe(200);
  });
});

if (PEBBLE_MISSING) console.warn(PEBBLE_MISSING);
