/**
 * The plain-HTTP listener of ACME mode (tls.http_port, normally 80). It answers the CA's HTTP-01
 * challenges at /.well-known/acme-challenge/<token> and sends every other request to HTTPS:
 * 301 for GET and HEAD, 308 for other methods (308 keeps the method and body).
 * The redirect goes to one of the certificate's names (the one asked for, else the public URL's
 * host), never to an arbitrary Host header.
 */
const CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

export interface HttpPortOptions {
  /** The key authorization for a token, or null when no order of ours is waiting for it. */
  challengeAnswer(token: string): string | null;
  /** public_base_url: its port (when not 443) goes into redirects. */
  publicBaseUrl: string;
  /** The certificate's names: a request for one of them is redirected to the same name. */
  domains: readonly string[];
}

export function createHttpPortHandler(o: HttpPortOptions): (req: Request) => Response {
  const base = new URL(o.publicBaseUrl);
  const port = base.protocol === "https:" && base.port ? `:${base.port}` : "";
  const known = new Set(o.domains.map((d) => d.toLowerCase()));
  const text = (status: number, body: string) =>
    new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

  return (req) => {
    const url = new URL(req.url);
    if (url.pathname.startsWith(CHALLENGE_PREFIX)) {
      const token = url.pathname.slice(CHALLENGE_PREFIX.length);
      const answer = /^[A-Za-z0-9_-]+$/.test(token) ? o.challengeAnswer(token) : null;
      if (answer === null) return text(404, "No such ACME challenge.\n");
      if (req.method !== "GET" && req.method !== "HEAD") return text(405, "Use GET.\n");
      return text(200, answer);
    }
    const host = hostOf(req.headers.get("host"));
    const target = host && known.has(host) ? host : base.hostname;
    const location = `https://${target}${port}${url.pathname}${url.search}`;
    const status = req.method === "GET" || req.method === "HEAD" ? 301 : 308;
    return new Response(null, { status, headers: { location } });
  };
}

/** The host name of a Host header, lowercased, without the port. */
function hostOf(header: string | null): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.replace(/:\d*$/, "");
}
