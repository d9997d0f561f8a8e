/**
 * The ACME certificate manager with a scripted CA (no network): when it orders, how it backs off after
 * failures, what it stores and with which permissions, and that failures are logged, never thrown.
 * The real CA round trip (pebble) is in acme-mode.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AcmeClient, AcmeOrderError, type AcmeOrderRequest, createAcmeKey } from "../../../src/net/acme-client";
import { createAcmeManager, renewalTime } from "../../../src/services/tls/acme-manager";
import { createAcmeStore } from "../../../src/services/tls/acme-store";
import type { CertificatePair } from "../../../src/services/tls/certificate";
import { manualClock } from "../../../src/util/clock";
import { recordingLogger, selfSigned } from "../../helpers/tls";

const DAY = 86_400_000;
const MIN = 60_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A CA that answers each order from a script: "ok" issues a self-signed certificate for the order's key. */
function scriptedCa(script: ("ok" | string)[], days = 90) {
  const orders: AcmeOrderRequest[] = [];
  const client: AcmeClient = {
    directoryUrl: "https://ca.test/dir",
    async obtainCertificate(req) {
      orders.push(req);
      const step = script.shift() ?? "ok";
      if (step !== "ok") throw new AcmeOrderError(step);
      return selfSigned([...req.domains], { keyPem: req.certificateKeyPem, days }).certPem;
    },
  };
  return { client, orders };
}

function setup(script: ("ok" | string)[], opts: { days?: number; start?: number } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-acme-"));
  dirs.push(dataDir);
  const clock = manualClock(opts.start ?? Date.now());
  const logger = recordingLogger();
  const ca = scriptedCa(script, opts.days);
  const installed: CertificatePair[] = [];
  const store = createAcmeStore(dataDir);
  const make = () =>
    createAcmeManager({
      client: ca.client,
      store,
      domains: ["matrix.example.org"],
      email: "admin@example.org",
      clock,
      logger,
      install: (p) => void installed.push(p),
      createKey: createAcmeKey,
      failureHint: "check port 80",
    });
  return { dataDir, clock, logger, ca, installed, store, make };
}

describe("renewal time", () => {
  const pair = (lifetimeDays: number) => ({ notBefore: 0, notAfter: lifetimeDays * DAY }) as unknown as CertificatePair;
  test("30 days before expiry for a 90-day certificate", () => {
    expect(renewalTime(pair(90))).toBe(60 * DAY);
  });
  test("a third of the lifetime before expiry for short-lived certificates", () => {
    expect(renewalTime(pair(6))).toBe(4 * DAY);
    expect(renewalTime(pair(45))).toBe(30 * DAY);
  });
});

describe("ACME certificate manager", () => {
  test("first start: orders a certificate, stores it and the account key (keys 0600), installs it", async () => {
    const s = setup(["ok"]);
    const m = s.make();
    m.start();
    expect(await m.check()).toBe("obtained"); // joins the order start() began
    m.stop();
    expect(s.ca.orders).toHaveLength(1);
    expect(s.ca.orders[0]!.domains).toEqual(["matrix.example.org"]);
    expect(s.ca.orders[0]!.email).toBe("admin@example.org");
    expect(s.installed).toHaveLength(1);
    expect(s.installed[0]!.names).toEqual(["matrix.example.org"]);
    const mode = (f: string) => statSync(join(s.dataDir, "acme", f)).mode & 0o777;
    expect(mode("account.key")).toBe(0o600);
    expect(mode("certificate.key")).toBe(0o600);
    expect(statSync(join(s.dataDir, "acme")).mode & 0o777).toBe(0o700);
    expect(s.store.loadCertificate()?.certPem).toBe(s.installed[0]!.certPem);
    expect(s.logger.has("info", "TLS certificate obtained")).toBe(true);
  });

  test("the account key is created once and reused for later orders", async () => {
    const s = setup(["ok", "ok"]);
    const m = s.make();
    m.start();
    await m.check();
    s.clock.set(m.renewalDueAt()! + 1);
    expect(await m.check()).toBe("obtained");
    m.stop();
    expect(s.ca.orders).toHaveLength(2);
    expect(s.ca.orders[1]!.accountKeyPem).toBe(s.ca.orders[0]!.accountKeyPem);
    // A new key for every certificate.
    expect(s.ca.orders[1]!.certificateKeyPem).not.toBe(s.ca.orders[0]!.certificateKeyPem);
  });

  test("a restart serves the stored certificate at once and orders nothing until renewal is due", async () => {
    const s = setup(["ok", "ok"]);
    const first = s.make();
    first.start();
    await first.check();
    first.stop();

    const second = s.make();
    second.start();
    // Installed synchronously in start(), before any network.
    expect(s.installed).toHaveLength(2);
    expect(s.installed[1]!.fingerprint).toBe(s.installed[0]!.fingerprint);
    expect(await second.check()).toBe("not-due");
    s.clock.set(second.renewalDueAt()! - 1);
    expect(await second.check()).toBe("not-due");
    expect(s.ca.orders).toHaveLength(1);
    s.clock.set(second.renewalDueAt()!);
    expect(await second.check()).toBe("obtained");
    second.stop();
    expect(s.ca.orders).toHaveLength(2);
    expect(s.installed.at(-1)!.fingerprint).not.toBe(s.installed[0]!.fingerprint);
  });

  test("failures are logged with the CA's reason and retried with doubling waits; then it succeeds", async () => {
    const s = setup(["Connection refused", "Connection refused", "Connection refused", "ok"]);
    const m = s.make();
    m.start();
    expect(await m.check()).toBe("failed");
    const err = s.logger.lines.find((l) => l.level === "error")!;
    expect(err.msg).toBe("could not obtain a TLS certificate; HTTPS is unavailable until one is obtained");
    expect(err.fields.problem).toBe("Connection refused");
    expect(err.fields.hint).toBe("check port 80");
    expect(err.fields.next_attempt).toBe(new Date(s.clock.now() + 5 * MIN).toISOString());
    expect(s.installed).toHaveLength(0);

    expect(await m.check()).toBe("waiting");
    s.clock.advance(5 * MIN - 1);
    expect(await m.check()).toBe("waiting");
    s.clock.advance(1);
    expect(await m.check()).toBe("failed"); // second attempt
    s.clock.advance(5 * MIN);
    expect(await m.check()).toBe("waiting"); // the wait doubled to 10 minutes
    s.clock.advance(5 * MIN);
    expect(await m.check()).toBe("failed"); // third attempt, next wait 20 minutes
    expect(await m.check({ ignoreBackoff: true })).toBe("obtained"); // SIGHUP does not wait
    m.stop();
    expect(s.ca.orders).toHaveLength(4);
    expect(s.installed).toHaveLength(1);
  });

  test("waits stop growing at 6 hours", async () => {
    const s = setup(Array(12).fill("down"));
    const m = s.make();
    m.start();
    await m.check();
    for (let i = 0; i < 10; i++) {
      s.clock.advance(6 * 3_600_000);
      expect(await m.check()).toBe("failed");
    }
    m.stop();
    const last = s.logger.lines.filter((l) => l.level === "error").at(-1)!;
    expect(last.fields.attempt).toBe(11);
    expect(last.fields.next_attempt).toBe(new Date(s.clock.now() + 6 * 3_600_000).toISOString());
  });

  test("a failed renewal keeps serving the current certificate and says so", async () => {
    const s = setup(["ok", "rate limited"]);
    const m = s.make();
    m.start();
    await m.check();
    const served = m.current()!;
    s.clock.set(m.renewalDueAt()! + 1);
    expect(await m.check()).toBe("failed");
    m.stop();
    expect(m.current()!.fingerprint).toBe(served.fingerprint);
    expect(s.installed).toHaveLength(1);
    const warn = s.logger.lines.find((l) => l.level === "warn")!;
    expect(warn.msg).toBe("could not renew the TLS certificate; still serving the current one");
    expect(warn.fields.problem).toBe("rate limited");
    expect(warn.fields.expires).toBe(new Date(served.notAfter).toISOString());
  });

  test("a stored certificate for other names is served meanwhile and replaced", async () => {
    const s = setup(["ok"]);
    const other = selfSigned(["old.example.org"]);
    s.store.saveCertificate(other.certPem, other.keyPem);
    const m = s.make();
    m.start();
    expect(s.installed[0]!.names).toEqual(["old.example.org"]);
    expect(await m.check()).toBe("obtained");
    m.stop();
    expect(s.installed[1]!.names).toEqual(["matrix.example.org"]);
  });

  test("a damaged stored certificate is replaced, not served", async () => {
    const s = setup(["ok"]);
    const good = selfSigned(["matrix.example.org"]);
    s.store.saveCertificate(good.certPem, selfSigned(["x.example.org"]).keyPem); // key of another certificate
    const m = s.make();
    m.start();
    expect(s.installed).toHaveLength(0);
    expect(await m.check()).toBe("obtained");
    m.stop();
    expect(s.logger.has("warn", "the stored ACME certificate cannot be used")).toBe(true);
  });

  test("an expired stored certificate is not served", async () => {
    const s = setup(["ok"], { start: Date.now() + 400 * DAY });
    const old = selfSigned(["matrix.example.org"], { days: 90 });
    s.store.saveCertificate(old.certPem, old.keyPem);
    const m = s.make();
    m.start();
    expect(s.installed).toHaveLength(0);
    expect(s.logger.has("warn", "the stored TLS certificate has expired")).toBe(true);
    await m.check();
    m.stop();
    expect(s.ca.orders).toHaveLength(1);
  });

  test("challenge answers exist only while the order runs", async () => {
    const s = setup([]);
    let seen: string | null = null;
    let m!: ReturnType<typeof s.make>;
    s.ca.client.obtainCertificate = async (req) => {
      req.challenges.put("tok-1", "tok-1.thumbprint");
      seen = m.challengeAnswer("tok-1");
      req.challenges.remove("tok-1");
      return selfSigned([...req.domains], { keyPem: req.certificateKeyPem }).certPem;
    };
    m = s.make();
    m.start();
    expect(await m.check()).toBe("obtained");
    m.stop();
    expect(seen as string | null).toBe("tok-1.thumbprint");
    expect(m.challengeAnswer("tok-1")).toBeNull();
    expect(m.challengeAnswer("unknown")).toBeNull();
  });

  test("after stop() nothing is ordered", async () => {
    const s = setup(["ok"]);
    const m = s.make();
    m.stop();
    expect(await m.check()).toBe("stopped");
    expect(s.ca.orders).toHaveLength(0);
  });
});
