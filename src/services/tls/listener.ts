/**
 * The main HTTP(S) listener, whose certificate can be replaced while it serves. Bun's server.reload()
 * does not apply new TLS options (checked on Bun 1.4.5: the old certificate is still presented), so a
 * swap binds a new listener on the same port with the new certificate right after the old one stops
 * accepting. Both happen in the same synchronous step; requests in flight on the old listener finish.
 */
import type { CertificatePair } from "./certificate";

export type FetchHandler = (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>;

export interface ListenerOptions {
  hostname: string;
  port: number;
  fetch: FetchHandler;
  maxRequestBodySize: number;
  idleTimeout: number;
}

export interface SwappableListener {
  /** The bound port, or null before the first serve(). */
  readonly port: number | null;
  readonly certificate: CertificatePair | null;
  /**
   * Starts serving (plain HTTP with null), or swaps in another certificate. Throws when the port
   * cannot be bound; a failed swap puts the previous certificate back.
   */
  serve(pair: CertificatePair | null): void;
  /** Stops accepting and resolves when every request in flight has finished. */
  stop(): Promise<void>;
}

export function createSwappableListener(o: ListenerOptions): SwappableListener {
  let server: Bun.Server<undefined> | null = null;
  let current: CertificatePair | null = null;
  // After the first bind a port 0 has become a real one; a later rebind keeps it.
  let boundPort = o.port;
  const draining = new Set<Promise<void>>();

  const bind = (port: number, pair: CertificatePair | null) =>
    Bun.serve({
      hostname: o.hostname,
      port,
      maxRequestBodySize: o.maxRequestBodySize,
      idleTimeout: o.idleTimeout,
      ...(pair ? { tls: { cert: pair.certPem, key: pair.keyPem } } : {}),
      fetch: o.fetch,
    });

  const retire = (old: Bun.Server<undefined>) => {
    const p = old.stop(false).then(
      () => void draining.delete(p),
      () => void draining.delete(p),
    );
    draining.add(p);
  };

  return {
    get port() {
      return server ? boundPort : null;
    },
    get certificate() {
      return current;
    },
    serve(pair) {
      if (!server) {
        server = bind(boundPort, pair);
        boundPort = server.port ?? boundPort;
        current = pair;
        return;
      }
      const previous = current;
      retire(server);
      server = null;
      try {
        server = bind(boundPort, pair);
        current = pair;
      } catch (e) {
        try {
          server = bind(boundPort, previous);
        } catch {
          current = null;
        }
        throw e;
      }
    },
    async stop() {
      if (server) retire(server);
      server = null;
      await Promise.all([...draining]);
    },
  };
}
