/**
 * The answers `homeserver init` needs, their defaults, and their validation. The same checks serve
 * the interactive wizard (re-ask) and the flags (usage error). Option checks go through the config
 * schema itself, so the wizard accepts exactly what `run` will.
 */
import { existsSync, statSync } from "node:fs";
import { ConfigError, parseConfig } from "../config/load";
import { checkNewLocalpart } from "../services/accounts/localpart";

export type TlsMode = "acme" | "files" | "reverse-proxy";
export type RegistrationMode = "closed" | "token" | "open";

export const TLS_MODES: readonly { value: TlsMode; help: string }[] = [
  { value: "acme", help: "built-in automatic certificates (Let's Encrypt); ports 80 and 443 must reach this machine" },
  { value: "files", help: "certificate and key files you manage (e.g. from certbot)" },
  { value: "reverse-proxy", help: "nginx, Caddy or similar terminates HTTPS and forwards to this server" },
];

export const REGISTRATION_MODES: readonly { value: RegistrationMode; help: string }[] = [
  { value: "closed", help: "only you add accounts (homeserver user add)" },
  { value: "token", help: "people with a registration token can sign up (homeserver token create)" },
  { value: "open", help: "anyone can sign up (not advisable on the public internet)" },
];

export interface InitAnswers {
  serverName: string;
  publicUrl: string;
  listenHost: string;
  listenPort: number;
  tls: TlsMode;
  acmeEmail: string;
  certFile: string;
  keyFile: string;
  registration: RegistrationMode;
  /** null: no admin account is created. */
  admin: { user: string; password: string } | null;
}

const BASE = { server_name: "example.org", public_base_url: "https://example.org" };

/** The problem the config schema reports for the option at `path` when `patch` is applied, or null. */
function optionProblem(patch: Record<string, unknown>, path: string): string | null {
  try {
    parseConfig({ ...BASE, ...patch });
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const p = e.problems.find((x) => x.startsWith(`${path}: `));
    return p ? p.slice(path.length + 2) : null;
  }
}

export function checkServerName(v: string): string | null {
  if (v === "") return "the server name is required";
  if (/^https?:/i.test(v) || v.includes("/")) return "give a name like example.org, not a URL";
  const p = optionProblem({ server_name: v }, "server_name");
  return p ? `the server name ${p}` : null;
}

/** The URL without a trailing slash, or a problem. */
export function checkPublicUrl(v: string): string | null {
  const p = optionProblem({ public_base_url: v }, "public_base_url");
  if (p) return `the public URL ${p}`;
  const u = new URL(v);
  if (u.search || u.hash) return "the public URL must not have a query or fragment";
  if (u.pathname !== "/" && u.pathname !== "")
    return "the public URL must not have a path (serve the server at the root)";
  return null;
}

export function normalizePublicUrl(v: string): string {
  return v.replace(/\/+$/, "");
}

export function defaultPublicUrl(serverName: string): string {
  const host = serverName.replace(/:\d+$/, "");
  return `https://${host}`;
}

/** "HOST:PORT", "[v6]:PORT" or "PORT". */
export function parseListen(v: string, defaultHost: string): { host: string; port: number } | string {
  let host = defaultHost;
  let portText = v;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d+)$/.exec(v);
  if (m) {
    host = m[1] ?? m[2]!;
    portText = m[3]!;
  } else if (!/^\d+$/.test(v)) return `"${v}" is not HOST:PORT (e.g. 127.0.0.1:8008 or [::]:8448)`;
  const port = Number(portText);
  const p =
    optionProblem({ listen: { host, port } }, "listen.port") ??
    optionProblem({ listen: { host, port } }, "listen.host");
  if (p) return `the listen address ${p}`;
  return { host, port };
}

export function defaultListen(tls: TlsMode): string {
  return tls === "reverse-proxy" ? "127.0.0.1:8008" : "0.0.0.0:443";
}

export function checkEmail(v: string): string | null {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : `"${v}" is not an e-mail address`;
}

export function checkReadableFile(v: string, what: string): string | null {
  if (v === "") return `the ${what} path is required`;
  if (!existsSync(v)) return `${v} does not exist`;
  if (!statSync(v).isFile()) return `${v} is not a file`;
  return null;
}

export function checkAdminUser(v: string, serverName: string): string | null {
  if (v.startsWith("@") || v.includes(":")) return "give just the username (alice), not a full user ID";
  try {
    checkNewLocalpart(v, serverName);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function checkPasswordLength(p: string, min: number): string | null {
  return p.length < min ? `The password must be at least ${min} characters long.` : null;
}

export const MIN_PASSWORD_LENGTH = parseConfig(BASE).registration.min_password_length;

/** Picks a choice by name, number (1-based) or unambiguous prefix. */
export function pickChoice<T extends string>(choices: readonly { value: T }[], input: string): T | null {
  const v = input.trim().toLowerCase();
  const n = Number(v);
  if (/^\d+$/.test(v) && n >= 1 && n <= choices.length) return choices[n - 1]!.value;
  const exact = choices.find((c) => c.value === v);
  if (exact) return exact.value;
  const prefixed = choices.filter((c) => v !== "" && c.value.startsWith(v));
  return prefixed.length === 1 ? prefixed[0]!.value : null;
}

/** The host of the public URL as other servers must reach it: host:port (443 unless the URL says otherwise). */
export function federationAddress(publicUrl: string): string {
  const u = new URL(publicUrl);
  return `${u.hostname}:${u.protocol === "https:" && u.port ? u.port : "443"}`;
}
