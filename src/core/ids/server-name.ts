/**
 * Server names (appendices, "Server Name"):
 *   server_name = hostname [ ":" port ]      port = 1*5DIGIT
 *   hostname    = IPv4address / "[" IPv6address "]" / dns-name
 *   dns-name    = 1*255dns-char              dns-char = DIGIT / ALPHA / "-" / "."
 * Server names are case-sensitive and are never normalised here.
 */
import type { Brand } from "./brand";

export type ServerName = Brand<string, "ServerName">;

export interface ServerNameParts {
  /** The host as written: a DNS name, a dotted-quad IPv4 literal, or an IPv6 literal with its brackets. */
  readonly host: string;
  readonly hostKind: "dns" | "ipv4" | "ipv6";
  /** The explicit port, if any. */
  readonly port: number | undefined;
}

const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const PORT = /^\d{1,5}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** A dotted-quad IPv4 literal: four decimal numbers 0-255. */
export function isIpv4Literal(s: string): boolean {
  const m = IPV4.exec(s);
  if (m === null) return false;
  return m.slice(1).every((part) => Number(part) <= 255);
}

/** An IPv6 literal (RFC 3513 section 2.2 text forms), without brackets. */
export function isIpv6Literal(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let groups = 0;
  let body = s;
  // An embedded IPv4 tail counts as two groups.
  const lastColon = body.lastIndexOf(":");
  if (lastColon >= 0 && body.slice(lastColon + 1).includes(".")) {
    if (!isIpv4Literal(body.slice(lastColon + 1))) return false;
    body = body.slice(0, lastColon + 1) + "0:0";
  }
  const halves = body.split("::");
  if (halves.length > 2) return false;
  for (const half of halves) {
    if (half === "") continue;
    for (const g of half.split(":")) {
      if (!HEX_GROUP.test(g)) return false;
      groups++;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** Splits and validates a server name; null when it does not follow the grammar. */
export function parseServerNameParts(s: string): ServerNameParts | null {
  if (s.length === 0) return null;
  let host: string;
  let rest: string;
  if (s.startsWith("[")) {
    const close = s.indexOf("]");
    if (close < 0) return null;
    host = s.slice(0, close + 1);
    rest = s.slice(close + 1);
    if (!isIpv6Literal(host.slice(1, -1))) return null;
  } else {
    const colon = s.indexOf(":");
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? "" : s.slice(colon);
    if (!DNS_NAME.test(host)) return null;
  }
  let port: number | undefined;
  if (rest !== "") {
    if (!rest.startsWith(":")) return null;
    const p = rest.slice(1);
    if (!PORT.test(p)) return null;
    port = Number(p);
    if (port > 65535) return null;
  }
  const hostKind = host.startsWith("[") ? "ipv6" : isIpv4Literal(host) ? "ipv4" : "dns";
  return { host, hostKind, port };
}

export function isServerName(s: string): s is ServerName {
  return parseServerNameParts(s) !== null;
}

export function parseServerName(s: string): ServerName | null {
  return isServerName(s) ? s : null;
}
