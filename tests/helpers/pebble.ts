/**
 * A real ACME CA on loopback for tests: Debian's `pebble`, with `pebble-challtestsrv` as its DNS server
 * (every name resolves to 127.0.0.1), validating HTTP-01 challenges on the port the test chooses.
 * scripts/test.sh installs the package when it is missing; without it the ACME tests are skipped
 * with a message saying so.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./binary-server";
import { selfSigned } from "./tls";

export const PEBBLE_MISSING =
  Bun.which("pebble") && Bun.which("pebble-challtestsrv")
    ? null
    : "pebble is not installed (Debian package `pebble`; scripts/test.sh installs it when run as root): ACME tests skipped";

export interface Pebble {
  directoryUrl: string;
  /** Trust anchor for the directory's own HTTPS (give it as tls.acme_ca_file). */
  directoryCaPem: string;
  directoryCaFile: string;
  /** The root that issued certificates chain up to (changes with every pebble start). */
  issuerRootPem(): Promise<string>;
  /** Everything pebble logged (validation attempts, orders). */
  log(): string;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** Port where pebble's validator fetches http://<name>:<port>/.well-known/acme-challenge/. */
  httpPort: number;
  /** Lifetime of issued certificates, in seconds (pebble's default is 5 years). */
  validitySeconds?: number;
}

export async function startPebble(o: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-pebble-"));
  const tlsCert = selfSigned(["localhost", "127.0.0.1"], { cn: "pebble test directory" });
  writeFileSync(join(dir, "cert.pem"), tlsCert.certPem);
  writeFileSync(join(dir, "key.pem"), tlsCert.keyPem);
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort] = [freePort(), freePort(), freePort(), freePort()];
  writeFileSync(
    join(dir, "pebble.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, "cert.pem"),
        privateKey: join(dir, "key.pem"),
        httpPort: o.httpPort,
        tlsPort: freePort(),
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
        ...(o.validitySeconds ? { certificateValidityPeriod: o.validitySeconds } : {}),
      },
    }),
  );

  let output = "";
  const collect = (p: Bun.Subprocess<"ignore", "pipe", "pipe">) => {
    for (const stream of [p.stdout, p.stderr]) {
      (async () => {
        const d = new TextDecoder();
        for await (const chunk of stream) output += d.decode(chunk, { stream: true });
      })();
    }
  };
  const dns = Bun.spawn(
    [
      "pebble-challtestsrv",
      "-dns01",
      `127.0.0.1:${dnsPort}`,
      "-http01",
      "",
      "-https01",
      "",
      "-tlsalpn01",
      "",
      "-management",
      `127.0.0.1:${dnsMgmtPort}`,
      "-defaultIPv4",
      "127.0.0.1",
      "-defaultIPv6",
      "",
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  collect(dns);
  const ca = Bun.spawn(["pebble", "-config", join(dir, "pebble.json"), "-dnsserver", `127.0.0.1:${dnsPort}`], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // No random sleeps before validations, no deliberately rejected nonces, a fresh authorization for
    // every order (so each renewal really answers a challenge).
    env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
  });
  collect(ca);

  const stop = async () => {
    ca.kill();
    dns.kill();
    await Promise.all([ca.exited, dns.exited]);
    rmSync(dir, { recursive: true, force: true });
  };
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (ca.exitCode !== null || dns.exitCode !== null) {
      await stop();
      throw new Error(`pebble did not start:\n${output}`);
    }
    try {
      const r = await fetch(directoryUrl, { tls: { ca: tlsCert.certPem } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pebble did not answer within 20 s:\n${output}`);
    }
    await Bun.sleep(50);
  }

  return {
    directoryUrl,
    directoryCaPem: tlsCert.certPem,
    directoryCaFile: join(dir, "cert.pem"),
    async issuerRootPem() {
      const r = await fetch(`https://127.0.0.1:${mgmtPort}/roots/0`, { tls: { ca: tlsCert.certPem } });
      return r.text();
    },
    log: () => output,
    stop,
  };
}
