/**
 * tls.mode = "files": the certificate chain and key come from files the operator manages (certbot,
 * acme.sh, a company CA). They are read at start, where every problem stops the server with a clear
 * message, and read again whenever they change: the directories holding them are watched (certbot
 * replaces the symlinks in live/<name>/), they are re-checked every few minutes in case a change was
 * missed, and SIGHUP re-reads them at once. A changed pair that cannot be used (half written, key not
 * matching) is logged and the previous certificate stays in service.
 */
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { type CertificatePair, parseCertificatePair, TlsSetupError } from "./certificate";

const DAY = 86_400_000;

/** Reads and checks the pair now; throws TlsSetupError naming the option, the file and the problem. */
export function readCertificateFiles(certFile: string, keyFile: string): CertificatePair {
  const certPem = readPem(certFile, "tls.cert_file");
  const keyPem = readPem(keyFile, "tls.key_file");
  return parseCertificatePair(certPem, keyPem, { cert: certFile, key: keyFile });
}

function readPem(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new TlsSetupError(`${option}: ${path} does not exist`);
    if (code === "EACCES") {
      throw new TlsSetupError(
        `${option}: cannot read ${path}: permission denied for user ${currentUser()} ` +
          "(certbot keeps /etc/letsencrypt/live and archive readable by root only: give the server's user read access, or copy the files with a deploy hook)",
      );
    }
    if (code === "EISDIR") throw new TlsSetupError(`${option}: ${path} is a directory, not a PEM file`);
    throw new TlsSetupError(`${option}: cannot read ${path}: ${(e as Error).message}`);
  }
}

function currentUser(): string {
  return process.env.USER ?? String(process.getuid?.() ?? "?");
}

/** Logs how long the certificate is still valid when that is short (at most once a day per certificate). */
export function expiryWarner(logger: Logger, clock: Clock, what: string): (pair: CertificatePair) => void {
  let last: { fingerprint: string; at: number } | null = null;
  return (pair) => {
    const now = clock.now();
    const left = pair.notAfter - now;
    if (left > 14 * DAY) return;
    if (last && last.fingerprint === pair.fingerprint && now - last.at < DAY) return;
    last = { fingerprint: pair.fingerprint, at: now };
    const fields = { not_after: new Date(pair.notAfter).toISOString(), names: pair.names };
    if (left <= 0) logger.error(`${what} has EXPIRED: clients refuse it; renew it`, fields);
    else logger.warn(`${what} expires in ${Math.ceil(left / DAY)} day(s): renew it`, fields);
  };
}

export interface CertificateFilesWatch {
  /** Re-reads the files now; returns the pair in service afterwards. */
  reload(reason: string): CertificatePair;
  /** The pair in service. */
  current(): CertificatePair;
  stop(): void;
}

export interface WatchOptions {
  certFile: string;
  keyFile: string;
  /** The pair in service (read at start). */
  initial: CertificatePair;
  /** Puts a new pair in service; throws if the listener refuses it. */
  install(pair: CertificatePair): void;
  logger: Logger;
  clock: Clock;
  /** Re-check interval (a missed change is found within this). Default 5 minutes. */
  pollIntervalMs?: number;
  /** Wait after a change event before reading (certificate and key are written one after the other). */
  settleMs?: number;
}

export function watchCertificateFiles(o: WatchOptions): CertificateFilesWatch {
  let current = o.initial;
  const warnExpiry = expiryWarner(o.logger, o.clock, `the TLS certificate ${o.certFile}`);
  warnExpiry(current);
  let lastProblem: string | null = null;

  const reload = (reason: string): CertificatePair => {
    let next: CertificatePair;
    try {
      next = readCertificateFiles(o.certFile, o.keyFile);
    } catch (e) {
      const problem = (e as Error).message;
      // A change in progress (certificate written, key not yet) fixes itself; say it once.
      if (problem !== lastProblem) {
        o.logger.warn("TLS certificate files changed but cannot be used; still serving the previous certificate", {
          reason,
          problem,
        });
      }
      lastProblem = problem;
      return current;
    }
    lastProblem = null;
    if (next.fingerprint === current.fingerprint && next.keyPem === current.keyPem) {
      warnExpiry(current);
      return current;
    }
    try {
      o.install(next);
    } catch (e) {
      o.logger.error("the new TLS certificate could not be put in service; still serving the previous one", {
        reason,
        problem: (e as Error).message,
      });
      return current;
    }
    o.logger.info("TLS certificate reloaded", {
      reason,
      file: o.certFile,
      names: next.names,
      not_after: new Date(next.notAfter).toISOString(),
      serial: next.serial,
    });
    current = next;
    warnExpiry(current);
    return current;
  };

  const settleMs = o.settleMs ?? 250;
  let settle: ReturnType<typeof setTimeout> | null = null;
  const onEvent = () => {
    if (settle) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      reload("file changed");
    }, settleMs);
  };

  const names = new Set([basename(o.certFile), basename(o.keyFile)]);
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(o.certFile), dirname(o.keyFile)])) {
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => {
        // Editors and certbot write through temporary names and renames: any event about our names,
        // or an event without a name, is worth a look.
        if (file === null || names.has(String(file))) onEvent();
      });
      w.on("error", () => {});
      watchers.push(w);
    } catch (e) {
      o.logger.warn("cannot watch the TLS certificate directory; changes are picked up by the periodic check", {
        dir,
        problem: (e as Error).message,
      });
    }
  }
  const poll = setInterval(() => reload("periodic check"), o.pollIntervalMs ?? 5 * 60_000);
  poll.unref?.();

  return {
    reload,
    current: () => current,
    stop() {
      clearInterval(poll);
      if (settle) clearTimeout(settle);
      for (const w of watchers) w.close();
    },
  };
}
