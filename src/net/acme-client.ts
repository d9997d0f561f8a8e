/**
 * Talking to an ACME certificate authority (RFC 8555, e.g. Let's Encrypt) through the `acme-client`
 * package: one call obtains a certificate for a list of DNS names with HTTP-01 challenges. Answering the
 * challenges is the caller's job (it owns the port-80 listener); this module only hands over the tokens.
 *
 * Keys are ECDSA P-256. The challenge self-check of acme-client is skipped: it would fetch
 * http://<name>:80/ from this machine, which fails behind many home routers (no NAT hairpinning) and
 * proves nothing the CA does not check itself.
 */
import type * as Https from "node:https";

// acme-client (with axios, node-forge and @peculiar/x509) takes ~250 ms and ~38 MB to load: it is
// loaded on the first order, never at start-up, and never in the other TLS modes.
const loadAcme = () => import("acme-client");

/** Receives the HTTP-01 answers to serve at /.well-known/acme-challenge/<token> while an order runs. */
export interface AcmeChallengeSink {
  put(token: string, keyAuthorization: string): void;
  remove(token: string): void;
}

export interface AcmeOrderRequest {
  /** PEM private key of the ACME account (created once with createAcmeKey and kept). */
  accountKeyPem: string;
  /** Contact address given to the CA; empty: none. */
  email: string;
  /** DNS names the certificate must cover; the first is the subject's common name. */
  domains: readonly string[];
  /** PEM private key the certificate is issued for. */
  certificateKeyPem: string;
  challenges: AcmeChallengeSink;
}

export interface AcmeClient {
  readonly directoryUrl: string;
  /** Runs a whole order (account, authorizations, HTTP-01 challenges, finalization); resolves with the PEM chain. */
  obtainCertificate(req: AcmeOrderRequest): Promise<string>;
}

/** The CA refused or failed the order; `message` is the CA's own explanation where it gave one. */
export class AcmeOrderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AcmeOrderError";
  }
}

export interface AcmeClientOptions {
  directoryUrl: string;
  /** Extra CA certificates (PEM) to trust for the directory's HTTPS: a private CA. */
  caPem?: string;
  /** Limit for each HTTP request to the CA, in milliseconds. */
  requestTimeoutMs?: number;
}

/** A new PEM private key (ECDSA P-256) for an account or a certificate. */
export async function createAcmeKey(): Promise<string> {
  const acme = await loadAcme();
  return (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
}

export function createAcmeClient(opts: AcmeClientOptions): AcmeClient {
  // node:https is loaded only for a private CA (tests), not at start-up of every server.
  const agent = opts.caPem
    ? new (require("node:https") as typeof Https).Agent({ ca: opts.caPem, keepAlive: true })
    : undefined;
  const timeout = opts.requestTimeoutMs ?? 30_000;

  return {
    directoryUrl: opts.directoryUrl,
    async obtainCertificate(req) {
      const acme = await loadAcme();
      const client = new acme.Client({
        directoryUrl: opts.directoryUrl,
        accountKey: req.accountKeyPem,
        // Polls of pending authorizations and orders: 1 s, then up to 10 s apart.
        backoffAttempts: 12,
        backoffMin: 1_000,
        backoffMax: 10_000,
      });
      // acme-client sends every request through one shared axios instance; the trust anchors and the
      // time limit are added to this client's requests only, so nothing process-wide changes.
      const http = (client as unknown as { http: { request: HttpRequest } }).http;
      const request = http.request.bind(http);
      http.request = (url, method, o = {}) =>
        request(url, method, { ...o, timeout, ...(agent ? { httpsAgent: agent } : {}) });

      const [, csr] = await acme.crypto.createCsr(
        { commonName: req.domains[0], altNames: [...req.domains] },
        req.certificateKeyPem,
      );
      try {
        return await client.auto({
          csr,
          ...(req.email ? { email: req.email } : {}),
          termsOfServiceAgreed: true,
          skipChallengeVerification: true,
          challengePriority: ["http-01"],
          challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
            if (challenge.type !== "http-01") throw new AcmeOrderError(`the CA offered no http-01 challenge`);
            req.challenges.put(challenge.token, keyAuthorization);
          },
          challengeRemoveFn: async (_authz, challenge) => {
            req.challenges.remove(challenge.token);
          },
        });
      } catch (e) {
        throw new AcmeOrderError(describeAcmeFailure(e, opts.directoryUrl), { cause: e });
      }
    },
  };
}

type HttpRequest = (url: string, method: string, opts?: Record<string, unknown>) => Promise<unknown>;

/** One line saying what went wrong: the CA's problem detail, or the network error reaching the CA. */
function describeAcmeFailure(e: unknown, directoryUrl: string): string {
  const err = e as { message?: string; code?: string; isAxiosError?: boolean };
  if (err.isAxiosError || (err.code && /^E[A-Z]+/.test(err.code))) {
    return `cannot reach the ACME directory ${directoryUrl}: ${err.code ?? ""} ${err.message ?? ""}`.trim();
  }
  return err.message || String(e);
}
