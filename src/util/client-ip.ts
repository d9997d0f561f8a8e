/**
 * The client's address: the TCP peer, unless the peer is a trusted reverse proxy, in which case the
 * address the proxy appended to X-Forwarded-For (the rightmost entry: earlier ones could be forged
 * by the client).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  trustedProxies: readonly string[],
): string | undefined {
  if (peer === undefined || forwardedFor === null) return peer;
  if (!trustedProxies.includes(normalize(peer))) return peer;
  const last = forwardedFor.split(",").pop()?.trim();
  return last ? normalize(last) : peer;
}

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
function normalize(address: string): string {
  return address.toLowerCase().startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
