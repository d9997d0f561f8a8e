/**
 * TLS test kit: self-signed certificates made with the openssl CLI, the certificate a server presents,
 * and a logger that keeps its lines.
 */
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import type { Logger } from "../../src/util/log";

export interface TestCert {
  certPem: string;
  keyPem: string;
  /** Uppercase hex, as node:tls reports it. */
  serial: string;
}

/** A self-signed ECDSA certificate for `names` (DNS names and IP addresses), valid from now for `days`. */
export function selfSigned(names: string[], opts: { days?: number; cn?: string; keyPem?: string } = {}): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cert-"));
  if (opts.keyPem) writeFileSync(join(dir, "given.key"), opts.keyPem, { mode: 0o600 });
  const keyArgs = opts.keyPem
    ? ["-key", join(dir, "given.key")]
    : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", join(dir, "key.pem")];
  const san = names.map((n) => (/^[0-9.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  const r = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      ...keyArgs,
      "-nodes",
      "-out",
      join(dir, "cert.pem"),
      "-days",
      String(opts.days ?? 30),
      "-subj",
      `/CN=${opts.cn ?? names[0]}`,
      "-addext",
      `subjectAltName=${san}`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  const certPem = readFileSync(join(dir, "cert.pem"), "utf8");
  const keyPem = opts.keyPem ?? readFileSync(join(dir, "key.pem"), "utf8");
  rmSync(dir, { recursive: true, force: true });
  return { certPem, keyPem, serial: new X509Certificate(certPem).serialNumber.toUpperCase() };
}

/** Writes the pair into `dir` as cert.pem and key.pem; returns their paths. */
export function writePair(dir: string, c: TestCert): { certFile: string; keyFile: string } {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  writeFileSync(keyFile, c.keyPem, { mode: 0o600 });
  writeFileSync(certFile, c.certPem);
  return { certFile, keyFile };
}

export interface PeerCertificate {
  serial: string;
  subjectCN: string;
  /** DNS:... / IP Address:... list as node:tls gives it. */
  subjectaltname: string;
  validTo: string;
}

/** The certificate presented on host:port (not verified), asking for `servername` by SNI. */
export function peerCertificate(port: number, servername = "localhost", host = "127.0.0.1"): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false }, () => {
      const c = socket.getPeerCertificate();
      socket.end();
      resolve({
        serial: String(c.serialNumber).toUpperCase(),
        subjectCN: String(c.subject?.CN ?? ""),
        subjectaltname: String(c.subjectaltname ?? ""),
        validTo: String(c.valid_to),
      });
    });
    socket.on("error", reject);
  });
}

/** Waits until `cond()` holds (checked every 50 ms), or throws after `ms` with `what`. */
export async function eventually<T>(what: string, cond: () => Promise<T | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that records every line (all levels). */
export function recordingLogger(): Logger & { lines: LogLine[]; has(level: string, text: string): boolean } {
  const lines: LogLine[] = [];
  const make = (base: Record<string, unknown>): Logger => {
    const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      void lines.push({ level, msg, fields: { ...base, ...fields } });
    return {
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return Object.assign(make({}), {
    lines,
    has: (level: string, text: string) => lines.some((l) => l.level === level && l.msg.includes(text)),
  });
}
