/** Name resolution behind an interface, so tests (and federation's test resolver) can inject their own. */
import { lookup } from "node:dns/promises";

export interface Resolver {
  /** Every address (IPv4 and IPv6, as text) the host name resolves to; rejects when it does not resolve. */
  resolve(host: string): Promise<string[]>;
}

export class DnsError extends Error {
  constructor(
    readonly host: string,
    message = `could not resolve ${host}`,
  ) {
    super(message);
    this.name = "DnsError";
  }
}

/** The operating system's resolver (getaddrinfo: /etc/hosts, then DNS). */
export const systemResolver: Resolver = {
  async resolve(host) {
    try {
      const found = await lookup(host, { all: true, verbatim: true });
      if (found.length === 0) throw new DnsError(host);
      return found.map((a) => a.address);
    } catch (e) {
      if (e instanceof DnsError) throw e;
      throw new DnsError(host, `could not resolve ${host}: ${(e as Error).message}`);
    }
  },
};

/** A fixed map of names to addresses (tests). Names not in the map do not resolve. */
export function staticResolver(map: Record<string, string[]>): Resolver {
  return {
    async resolve(host) {
      const found = map[host.toLowerCase()];
      if (!found || found.length === 0) throw new DnsError(host);
      return [...found];
    },
  };
}
