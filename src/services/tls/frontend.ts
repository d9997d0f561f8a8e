/**
 * Everything that listens, by tls.mode:
 *   reverse-proxy  plain HTTP on listen.host:listen.port (a proxy in front does TLS)
 *   files          HTTPS there with cert_file/key_file, re-read when they change and on SIGHUP
 *   acme           HTTPS there with a certificate obtained and renewed from the ACME CA, plus the
 *                  plain-HTTP listener on tls.http_port for challenges and redirects to HTTPS
 * Start-up problems the operator must fix (a missing certificate file, a port in use, an ACME setup
 * that cannot work) throw TlsSetupError or the bind error before anything serves.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Config } from "../../config/schema";
import { type AcmeClient, createAcmeClient, createAcmeKey } from "../../net/acme-client";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { type AcmeManager, type AcmeTiming, createAcmeManager } from "./acme-manager";
import { createAcmeStore } from "./acme-store";
import { TlsSetupError } from "./certificate";
import { type CertificateFilesWatch, readCertificateFiles, watchCertificateFiles } from "./certificate-files";
import { createHttpPortHandler } from "./http-port";
import { createSwappableListener, type FetchHandler } from "./listener";

export interface FrontendOptions {
  config: Config;
  /** Absolute data directory (ACME keeps its files in <dataDir>/acme). */
  dataDir: string;
  /** Directory that relative paths in [tls] are resolved against (the config file's). */
  baseDir: string;
  hostname: string;
  port: number;
  fetch: FetchHandler;
  maxRequestBodySize: number;
  idleTimeout: number;
  clock: Clock;
  logger: Logger;
  /** Test seams for ACME mode: another client, faster timers, the challenge port. */
  acme?: { client?: AcmeClient; timing?: AcmeTiming; httpPort?: number };
  /** files mode: re-check interval of the certificate files (default 5 minutes). */
  filesPollIntervalMs?: number;
}

export interface Frontend {
  readonly mode: Config["tls"]["mode"];
  /** The main listener's port (the configured one while ACME waits for its first certificate). */
  readonly port: number;
  /** Its URL, e.g. https://127.0.0.1:8448 (a wildcard host is shown as loopback). */
  readonly url: string;
  /** ACME mode: the port of the challenge and redirect listener. */
  readonly httpPort: number | null;
  /** ACME mode: the certificate manager. */
  readonly acme: AcmeManager | null;
  /** SIGHUP: re-read certificate files (files) or check for renewal now, retrying a failed order (acme). */
  reload(reason: string): Promise<void>;
  /** Stops every listener and timer; resolves when requests in flight have finished. */
  stop(): Promise<void>;
}

export function startFrontend(o: FrontendOptions): Frontend {
  const tls = o.config.tls;
  const log = o.logger;
  const listener = createSwappableListener({
    hostname: o.hostname,
    port: o.port,
    fetch: o.fetch,
    maxRequestBodySize: o.maxRequestBodySize,
    idleTimeout: o.idleTimeout,
  });
  const path = (p: string) => (isAbsolute(p) ? p : resolve(o.baseDir, p));
  const shownHost = o.hostname === "0.0.0.0" ? "127.0.0.1" : o.hostname;
  const urlOf = (scheme: string, port: number) =>
    `${scheme}://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;

  if (tls.mode === "reverse-proxy") {
    listener.serve(null);
    const port = listener.port ?? o.port;
    return {
      mode: tls.mode,
      port,
      url: urlOf("http", port),
      httpPort: null,
      acme: null,
      async reload() {
        log.info("SIGHUP: nothing to reload (tls.mode = reverse-proxy)");
      },
      stop: () => listener.stop(),
    };
  }

  if (tls.mode === "files") {
    const certFile = path(tls.cert_file);
    const keyFile = path(tls.key_file);
    const initial = readCertificateFiles(certFile, keyFile);
    listener.serve(initial);
    log.info("serving HTTPS with the certificate files", {
      cert_file: certFile,
      names: initial.names,
      not_after: new Date(initial.notAfter).toISOString(),
    });
    const watch: CertificateFilesWatch = watchCertificateFiles({
      certFile,
      keyFile,
      initial,
      install: (pair) => listener.serve(pair),
      logger: log,
      clock: o.clock,
      ...(o.filesPollIntervalMs ? { pollIntervalMs: o.filesPollIntervalMs } : {}),
    });
    const port = listener.port ?? o.port;
    return {
      mode: tls.mode,
      port,
      url: urlOf("https", port),
      httpPort: null,
      acme: null,
      async reload(reason) {
        const before = watch.current();
        const after = watch.reload(reason);
        if (after === before)
          log.info("TLS certificate files checked: no new certificate", { reason, serial: after.serial });
      },
      async stop() {
        watch.stop();
        await listener.stop();
      },
    };
  }

  // ACME
  const base = new URL(o.config.public_base_url);
  if (base.protocol !== "https:") {
    throw new TlsSetupError(
      `tls.mode = "acme" serves HTTPS, so public_base_url must start with https:// (it is ${o.config.public_base_url})`,
    );
  }
  const domains = tls.acme_domains.length > 0 ? [...tls.acme_domains] : [base.hostname];
  if (domains.some((d) => /^[0-9.]+$|:|^\[/.test(d))) {
    throw new TlsSetupError(
      `tls.mode = "acme" needs a DNS name, but public_base_url's host is the address ${base.hostname}: set tls.acme_domains, or use tls.mode = "files"`,
    );
  }
  const httpPort = o.acme?.httpPort ?? tls.http_port;
  if (httpPort === o.port && httpPort !== 0) {
    throw new TlsSetupError(`tls.http_port (${httpPort}) must differ from listen.port: HTTPS is served on listen.port`);
  }
  let caPem: string | undefined;
  if (tls.acme_ca_file) {
    try {
      caPem = readFileSync(path(tls.acme_ca_file), "utf8");
    } catch (e) {
      throw new TlsSetupError(`tls.acme_ca_file: cannot read ${path(tls.acme_ca_file)}: ${(e as Error).message}`);
    }
  }
  const client =
    o.acme?.client ?? createAcmeClient({ directoryUrl: tls.acme_directory_url, ...(caPem ? { caPem } : {}) });
  const store = createAcmeStore(o.dataDir);
  let httpsStarted = false;
  const manager = createAcmeManager({
    client,
    store,
    domains,
    email: tls.acme_email,
    clock: o.clock,
    logger: log,
    createKey: createAcmeKey,
    failureHint: `the CA must reach http://${domains[0]}/.well-known/acme-challenge/ on port 80, answered here on port ${httpPort}: check the DNS records of ${domains.join(", ")} and that port 80 is forwarded to this machine; SIGHUP retries at once`,
    install(pair) {
      listener.serve(pair);
      if (!httpsStarted) {
        httpsStarted = true;
        log.info("listening (HTTPS)", { url: urlOf("https", listener.port ?? o.port), domains: pair.names });
      } else log.info("TLS certificate swapped in", { serial: pair.serial });
    },
    ...o.acme?.timing,
  });

  const handler = createHttpPortHandler({
    challengeAnswer: (t) => manager.challengeAnswer(t),
    publicBaseUrl: o.config.public_base_url,
    domains,
  });
  let http: Bun.Server<undefined>;
  try {
    http = Bun.serve({ hostname: o.hostname, port: httpPort, idleTimeout: 30, fetch: handler });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === "EADDRINUSE"
        ? "the address is already in use (is a web server running on it?)"
        : code === "EACCES"
          ? "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
          : (e as Error).message;
    throw new TlsSetupError(`cannot listen on ${o.hostname}:${httpPort} (tls.http_port, for ACME challenges): ${why}`);
  }
  log.info("listening for ACME challenges and redirecting to HTTPS", { port: http.port });
  if (/^(127\.|::1$|localhost$)/.test(o.hostname)) {
    log.warn("listen.host is a loopback address: the certificate authority cannot reach this server", {
      host: o.hostname,
      hint: 'set listen.host = "::" (IPv4 and IPv6) or "0.0.0.0"',
    });
  }
  try {
    manager.start();
  } catch (e) {
    manager.stop();
    http.stop(true);
    throw e;
  }
  if (!httpsStarted) {
    log.info("HTTPS starts once a certificate has been obtained", {
      domains,
      directory: tls.acme_directory_url,
      port: o.port,
    });
  }
  return {
    mode: tls.mode,
    get port() {
      return listener.port ?? o.port;
    },
    get url() {
      return urlOf("https", listener.port ?? o.port);
    },
    httpPort: http.port ?? httpPort,
    acme: manager,
    async reload(reason) {
      log.info("checking the TLS certificate now", { reason });
      const outcome = await manager.check({ ignoreBackoff: true });
      const due = manager.renewalDueAt();
      if (outcome === "not-due" && due !== null) {
        log.info("the TLS certificate is current", { renew_after: new Date(due).toISOString() });
      }
    },
    async stop() {
      manager.stop();
      await Promise.all([http.stop(false), listener.stop()]);
    },
  };
}
