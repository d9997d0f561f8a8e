/**
 * Outbound POSTs to push gateways (push gateway API, `POST /_matrix/push/v1/notify`). The URL comes
 * from users (pushers), so it gets the same server-side request forgery guard as URL previews: the
 * host is resolved, every address is checked against the AddressPolicy, and the connection goes to
 * the checked address itself (Host header and TLS server name keep the original name). Redirects are
 * not followed. The answer is read with a small size limit and the exchange with a time limit.
 */
import type { Resolver } from "./dns";
import { BlockedAddressError } from "./http-fetch";
import { type AddressPolicy, formatIp, type IpAddress, parseIp } from "./ip-address";

export { BlockedAddressError };

export interface NotifyAnswer {
  status: number;
  /** The `rejected` pushkeys of a 2xx answer (empty when absent or unreadable). */
  rejected: string[];
}

/** Any failure to get an answer: bad URL, DNS, connection, timeout. */
export class PushGatewayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PushGatewayError";
  }
}

export interface PushGatewayClient {
  /** POSTs `body` as JSON. Rejects with BlockedAddressError or PushGatewayError when there is no answer. */
  notify(url: string, body: unknown, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<NotifyAnswer>;
}

export interface PushGatewayDeps {
  resolver: Resolver;
  policy: AddressPolicy;
  userAgent: string;
  fetch?: typeof fetch;
}

const MAX_ANSWER_BYTES = 65_536;

async function readAnswer(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function createPushGatewayClient(deps: PushGatewayDeps): PushGatewayClient {
  const doFetch = deps.fetch ?? fetch;

  const pickAddress = async (host: string): Promise<IpAddress> => {
    const literal = parseIp(host);
    let candidates: (IpAddress | null)[];
    if (literal) candidates = [literal];
    else {
      try {
        candidates = (await deps.resolver.resolve(host)).map((a) => parseIp(a));
      } catch (e) {
        throw new PushGatewayError((e as Error).message);
      }
    }
    for (const ip of candidates) if (ip && deps.policy.allows(ip)) return ip;
    throw new BlockedAddressError(host);
  };

  return {
    async notify(urlText, body, opts) {
      let url: URL;
      try {
        url = new URL(urlText);
      } catch {
        throw new PushGatewayError("not a valid URL");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new PushGatewayError(`unsupported URL scheme ${url.protocol}`);
      }
      if (url.username || url.password) throw new PushGatewayError("URLs with credentials are not used");
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      const ip = await pickAddress(host);
      const target = new URL(url.href);
      target.hostname = ip.version === 6 ? `[${formatIp(ip)}]` : formatIp(ip);
      target.hash = "";
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
      let res: Response;
      try {
        res = await doFetch(target.href, {
          method: "POST",
          redirect: "manual",
          signal,
          proxy: false,
          headers: { host: url.host, "user-agent": deps.userAgent, "content-type": "application/json" },
          body: JSON.stringify(body),
          ...(url.protocol === "https:" && !parseIp(host) ? { tls: { serverName: host } } : {}),
        } as RequestInit);
      } catch (e) {
        throw new PushGatewayError(
          timeout.aborted ? "timed out" : `could not reach ${url.origin}: ${(e as Error).message ?? e}`,
        );
      }
      let text: string;
      try {
        text = await readAnswer(res);
      } catch (e) {
        throw new PushGatewayError(
          timeout.aborted ? "timed out" : `reading the answer failed: ${(e as Error).message}`,
        );
      }
      let rejected: string[] = [];
      if (res.status >= 200 && res.status < 300) {
        try {
          const parsed = JSON.parse(text) as { rejected?: unknown };
          if (Array.isArray(parsed.rejected))
            rejected = parsed.rejected.filter((k): k is string => typeof k === "string");
        } catch {
          // A 2xx without a readable body still delivered the notification.
        }
      }
      return { status: res.status, rejected };
    },
  };
}
