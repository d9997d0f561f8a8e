/**
 * tls.mode = "acme": keeps a certificate for the configured names, obtained from the ACME CA with
 * HTTP-01 challenges (answered by the port-80 listener through challengeAnswer()).
 *
 * - At start the stored certificate (<data_dir>/acme/) is put in service at once if it has not
 *   expired; without one, HTTPS waits until the first order succeeds.
 * - Renewal is due when a third of the certificate's lifetime remains, and at the latest 30 days
 *   before it expires (a 90-day certificate is renewed after 60 days, a 6-day one after 4). A timer
 *   checks at least hourly; the clock is injected, so tests move time instead of waiting.
 * - A failed order is retried with exponential backoff (5 minutes doubling up to 6 hours: far below
 *   Let's Encrypt's failed-validation limit). Nothing here throws into the server: failures are logged
 *   with the CA's explanation and the time of the next attempt.
 * - A renewed certificate is stored, then swapped into the listener without a restart.
 */
import type { AcmeClient } from "../../net/acme-client";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import type { AcmeStore } from "./acme-store";
import { type CertificatePair, certificateCovers, parseCertificatePair } from "./certificate";

const DAY = 86_400_000;
const RENEW_BEFORE_MAX_MS = 30 * DAY;

export interface AcmeTiming {
  /** Longest wait between two checks. Default 1 hour. */
  checkIntervalMs?: number;
  /** First wait after a failed order; doubles with each failure. Default 5 minutes. */
  retryMinMs?: number;
  /** Longest wait after failures. Default 6 hours. */
  retryMaxMs?: number;
}

export interface AcmeManagerOptions extends AcmeTiming {
  client: AcmeClient;
  store: AcmeStore;
  /** Names the certificate must cover. */
  domains: readonly string[];
  email: string;
  clock: Clock;
  logger: Logger;
  /** Puts a certificate in service (binds or swaps the HTTPS listener); throws if that fails. */
  install(pair: CertificatePair): void;
  /** Added to the log line of a failed order while there is no certificate yet (what to check). */
  failureHint?: string;
  /** Makes private keys; default: the ACME client's (ECDSA P-256). */
  createKey: () => Promise<string>;
}

export type AcmeCheckOutcome = "obtained" | "not-due" | "waiting" | "failed" | "stopped";

export interface AcmeManager {
  /** Loads the stored certificate (installing it if still valid; a failed install throws) and starts the timer. */
  start(): void;
  stop(): void;
  /** The certificate in service or about to be, or null. */
  current(): CertificatePair | null;
  /** When the current certificate is due for renewal (epoch ms), or null without one. */
  renewalDueAt(): number | null;
  /** The key authorization for an HTTP-01 token of an order in progress, or null. */
  challengeAnswer(token: string): string | null;
  /**
   * Obtains a certificate now if none is usable or renewal is due, unless a retry wait runs
   * (`ignoreBackoff` skips the wait: SIGHUP). While a check runs, resolves with that check's outcome.
   * Never rejects.
   */
  check(opts?: { ignoreBackoff?: boolean }): Promise<AcmeCheckOutcome>;
}

/** Renewal time: when a third of the lifetime remains, at the latest 30 days before expiry. */
export function renewalTime(pair: CertificatePair): number {
  return pair.notAfter - Math.min(RENEW_BEFORE_MAX_MS, (pair.notAfter - pair.notBefore) / 3);
}

export function createAcmeManager(o: AcmeManagerOptions): AcmeManager {
  const checkIntervalMs = o.checkIntervalMs ?? 3_600_000;
  const retryMinMs = o.retryMinMs ?? 5 * 60_000;
  const retryMaxMs = o.retryMaxMs ?? 6 * 3_600_000;
  const log = o.logger;
  const challenges = new Map<string, string>();
  let current: CertificatePair | null = null;
  let installed: string | null = null; // fingerprint in the listener
  let failures = 0;
  let retryAt = 0;
  let inflight: Promise<AcmeCheckOutcome> | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const coversAll = (pair: CertificatePair) => o.domains.every((d) => certificateCovers(pair, d));
  const iso = (t: number) => new Date(t).toISOString();

  const tryInstall = (pair: CertificatePair): boolean => {
    try {
      o.install(pair);
      installed = pair.fingerprint;
      return true;
    } catch (e) {
      log.error("cannot serve HTTPS with the new certificate; trying again at the next check", {
        problem: (e as Error).message,
      });
      return false;
    }
  };

  const loadStored = (): CertificatePair | null => {
    const stored = o.store.loadCertificate();
    if (!stored) return null;
    try {
      return parseCertificatePair(stored.certPem, stored.keyPem, { cert: o.store.paths.cert, key: o.store.paths.key });
    } catch (e) {
      log.warn("the stored ACME certificate cannot be used; obtaining a new one", { problem: (e as Error).message });
      return null;
    }
  };

  const obtain = async (): Promise<AcmeCheckOutcome> => {
    const started = o.clock.now();
    log.info("requesting a TLS certificate", { domains: o.domains, directory: o.client.directoryUrl });
    try {
      let accountKey = o.store.loadAccountKey();
      if (!accountKey) {
        accountKey = await o.createKey();
        o.store.saveAccountKey(accountKey);
        log.info("created an ACME account key", { file: o.store.paths.accountKey });
      }
      const certKey = await o.createKey();
      const chain = await o.client.obtainCertificate({
        accountKeyPem: accountKey,
        email: o.email,
        domains: o.domains,
        certificateKeyPem: certKey,
        challenges: {
          put: (token, answer) => void challenges.set(token, answer),
          remove: (token) => void challenges.delete(token),
        },
      });
      const pair = parseCertificatePair(chain, certKey, { cert: "the certificate from the CA", key: "its key" });
      // Stored even when the server is stopping meanwhile: certificates are rate-limited.
      o.store.saveCertificate(pair.certPem, pair.keyPem);
      current = pair;
      failures = 0;
      retryAt = 0;
      log.info("TLS certificate obtained", {
        domains: pair.names,
        serial: pair.serial,
        not_after: iso(pair.notAfter),
        renew_after: iso(renewalTime(pair)),
        ms: o.clock.now() - started,
      });
      if (!stopped) tryInstall(pair);
      return "obtained";
    } catch (e) {
      failures += 1;
      const wait = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures - 1, 30));
      retryAt = o.clock.now() + wait;
      const fields: Record<string, unknown> = {
        domains: o.domains,
        directory: o.client.directoryUrl,
        problem: (e as Error).message,
        attempt: failures,
        next_attempt: iso(retryAt),
      };
      if (current && current.notAfter > o.clock.now()) {
        log.warn("could not renew the TLS certificate; still serving the current one", {
          ...fields,
          expires: iso(current.notAfter),
        });
      } else {
        log.error("could not obtain a TLS certificate; HTTPS is unavailable until one is obtained", {
          ...fields,
          ...(o.failureHint ? { hint: o.failureHint } : {}),
        });
      }
      return "failed";
    }
  };

  const runCheck = async (opts: { ignoreBackoff?: boolean }): Promise<AcmeCheckOutcome> => {
    try {
      const now = o.clock.now();
      if (current && installed !== current.fingerprint && current.notAfter > now) tryInstall(current);
      if (current && coversAll(current) && now < renewalTime(current)) return "not-due";
      if (!opts.ignoreBackoff && now < retryAt) return "waiting";
      return await obtain();
    } catch (e) {
      log.error("TLS certificate check failed", { problem: (e as Error).message });
      return "failed";
    }
  };

  const check = (opts: { ignoreBackoff?: boolean } = {}): Promise<AcmeCheckOutcome> => {
    if (stopped) return Promise.resolve("stopped");
    if (inflight) return inflight;
    const p = runCheck(opts).finally(() => {
      inflight = null;
    });
    inflight = p;
    return p;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      timer = null;
      await check();
      schedule(nextDelay());
    }, delayMs);
  };

  const nextDelay = (): number => {
    const now = o.clock.now();
    let at = now + checkIntervalMs;
    if (!current || !coversAll(current)) at = Math.max(retryAt, now);
    else at = Math.min(at, Math.max(renewalTime(current), retryAt));
    return Math.max(1_000, Math.min(checkIntervalMs, at - now));
  };

  return {
    start() {
      const stored = loadStored();
      const now = o.clock.now();
      if (stored && stored.notAfter > now) {
        current = stored;
        if (!coversAll(stored)) {
          log.info("the stored certificate does not cover every configured name; obtaining a new one", {
            covers: stored.names,
            domains: o.domains,
          });
        }
        o.install(stored); // a port that cannot be bound at start is an error for the operator
        installed = stored.fingerprint;
        log.info("serving the stored TLS certificate", {
          domains: stored.names,
          not_after: iso(stored.notAfter),
          renew_after: iso(renewalTime(stored)),
        });
      } else if (stored) {
        log.warn("the stored TLS certificate has expired; obtaining a new one", { not_after: iso(stored.notAfter) });
      }
      if (current && coversAll(current)) schedule(nextDelay());
      else void check().then(() => schedule(nextDelay())); // needed now: no timer in between
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      challenges.clear();
    },
    current: () => current,
    renewalDueAt: () => (current ? renewalTime(current) : null),
    challengeAnswer: (token) => challenges.get(token) ?? null,
    check,
  };
}
