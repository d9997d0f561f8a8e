/**
 * Outbound HTTP(S) GET for content chosen by users (URL previews), safe against server-side request
 * forgery: the host name is resolved first, every address is checked against the AddressPolicy, and the
 * connection goes to the checked address itself (the Host header and TLS server name carry the
 * original name), so a second DNS answer cannot swap in another address. Redirects are followed by
 * hand, each hop checked the same way. Bodies are read with a size limit, and the whole exchange with
 * a time limit.
 */
import type { Resolver } from "./dns";
import { type AddressPolicy, formatIp, type IpAddress, parseIp } from "./ip-address";

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  accept?: string;
}

export interface FetchedResource {
  /** The URL finally answered (after redirects). */
  url: string;
  status: number;
  headers: Headers;
  contentType: string | null;
  body: Uint8Array;
}

export interface SafeHttpClient {
  get(url: string, limits: FetchLimits): Promise<FetchedResource>;
}

/** The URL's host is, or resolves only to, addresses the policy refuses. */
export class BlockedAddressError extends Error {
  constructor(readonly host: string) {
    super(`refusing to connect to ${host}: not a public address`);
    this.name = "BlockedAddressError";
  }
}

export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response larger than ${limit} bytes`);
    this.name = "ResponseTooLargeError";
  }
}

/** Any other failure: bad URL or scheme, DNS, connection, timeout, too many redirects. */
export class HttpFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HttpFetchError";
  }
}

export interface SafeHttpClientDeps {
  resolver: Resolver;
  policy: AddressPolicy;
  userAgent: string;
  /** The transport (tests may wrap it); defaults to the global fetch. */
  fetch?: typeof fetch;
}

async function readLimited(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(limit);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function createSafeHttpClient(deps: SafeHttpClientDeps): SafeHttpClient {
  const doFetch = deps.fetch ?? fetch;

  async function pickAddress(host: string): Promise<IpAddress> {
    const literal = parseIp(host);
    const candidates = literal ? [literal] : (await deps.resolver.resolve(host)).map((a) => parseIp(a));
    for (const ip of candidates) if (ip && deps.policy.allows(ip)) return ip;
    throw new BlockedAddressError(host);
  }

  return {
    async get(start, limits) {
      const maxRedirects = limits.maxRedirects ?? 5;
      const signal = AbortSignal.timeout(limits.timeoutMs);
      let url: URL;
      try {
        url = new URL(start);
      } catch {
        throw new HttpFetchError("not a valid URL");
      }
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:") {
          throw new HttpFetchError(`unsupported URL scheme ${url.protocol}`);
        }
        if (url.username || url.password) throw new HttpFetchError("URLs with credentials are not fetched");
        const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
        let ip: IpAddress;
        try {
          ip = await pickAddress(host);
        } catch (e) {
          if (e instanceof BlockedAddressError) throw e;
          throw new HttpFetchError((e as Error).message);
        }
        const target = new URL(url.href);
        target.hostname = ip.version === 6 ? `[${formatIp(ip)}]` : formatIp(ip);
        target.hash = "";
        let res: Response;
        try {
          res = await doFetch(target.href, {
            method: "GET",
            redirect: "manual",
            signal,
            proxy: false,
            headers: {
              host: url.host,
              "user-agent": deps.userAgent,
              accept: limits.accept ?? "*/*",
              "accept-language": "en",
            },
            ...(url.protocol === "https:" && !parseIp(host) ? { tls: { serverName: host } } : {}),
          } as RequestInit);
        } catch (e) {
          throw new HttpFetchError(
            signal.aborted ? "timed out" : `could not fetch ${url.origin}: ${(e as Error).message ?? e}`,
          );
        }
        const location = res.headers.get("location");
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel().catch(() => {});
          if (hop >= maxRedirects) throw new HttpFetchError("too many redirects");
          try {
            url = new URL(location, url);
          } catch {
            throw new HttpFetchError("bad redirect location");
          }
          continue;
        }
        let body: Uint8Array;
        try {
          body = await readLimited(res, limits.maxBytes);
        } catch (e) {
          if (e instanceof ResponseTooLargeError) throw e;
          throw new HttpFetchError(
            signal.aborted ? "timed out" : `reading the response failed: ${(e as Error).message}`,
          );
        }
        return {
          url: url.href,
          status: res.status,
          headers: res.headers,
          contentType: res.headers.get("content-type"),
          body,
        };
      }
    },
  };
}
