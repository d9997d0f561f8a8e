/**
 * Federation request authentication (server-server API, "Request Authentication"): the sender signs
 * `{ method, uri, origin, destination, content? }` as signed JSON and sends the signature in an
 * `Authorization: X-Matrix origin="…",destination="…",key="…",sig="…"` header. Pure functions: the
 * caller supplies keys, our server name, and the parsed request body.
 */
import { type KeyId, parseKeyId } from "../ids/key-id";
import { isServerName, type ServerName } from "../ids/server-name";
import type { SigningKey, VerifyKey } from "./ed25519";
import { signatureOf, verifyJson } from "./sign-json";

export interface XMatrixRequest {
  readonly method: string;
  /** The full path from `/_matrix/…`, with the query string if any; no scheme or host. */
  readonly uri: string;
  readonly origin: string;
  readonly destination: string;
  /** The parsed JSON body; leave undefined for requests without one. */
  readonly content?: unknown;
}

export interface XMatrixAuthorization {
  readonly origin: ServerName;
  /** Absent in requests from servers older than spec v1.3. */
  readonly destination: ServerName | undefined;
  readonly key: KeyId;
  readonly sig: string;
}

/** The JSON object whose signature goes into the header. */
export function xMatrixSignedObject(req: XMatrixRequest): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    method: req.method,
    uri: req.uri,
    origin: req.origin,
    destination: req.destination,
  };
  if (req.content !== undefined) obj.content = req.content;
  return obj;
}

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Formats the header value the way the spec recommends for compatibility (one space, lower-case names, quoted). */
export function formatXMatrixAuthorization(auth: {
  origin: string;
  destination?: string | undefined;
  key: string;
  sig: string;
}): string {
  const params = [`origin=${quote(auth.origin)}`];
  if (auth.destination !== undefined) params.push(`destination=${quote(auth.destination)}`);
  params.push(`key=${quote(auth.key)}`, `sig=${quote(auth.sig)}`);
  return `X-Matrix ${params.join(",")}`;
}

/** Signs a request and returns the `Authorization` header value. Throws CanonicalJsonError for an unencodable body. */
export function signXMatrixRequest(req: XMatrixRequest, key: SigningKey): string {
  const sig = signatureOf(xMatrixSignedObject(req), key);
  return formatXMatrixAuthorization({ origin: req.origin, destination: req.destination, key: key.keyId, sig });
}

export type XMatrixParseResult =
  | { readonly ok: true; readonly auth: XMatrixAuthorization }
  | { readonly ok: false; readonly reason: string };

const SCHEME = /^x-matrix[ ]+/i;
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
/** Unquoted values: RFC 9110 token characters, plus ':' and '/' as older servers send them. */
const BARE_VALUE = /^[!#$%&'*+.^_`|~0-9A-Za-z:/=-]+/;

/**
 * Parses an `Authorization` header value with the X-Matrix scheme (RFC 9110 section 11.4 syntax):
 * parameter names are case-insensitive, order does not matter, values are quoted strings (with
 * backslash escapes) or bare tokens, unknown parameters are ignored. `origin`, `key` and `sig` are
 * required; a parameter given twice is refused.
 */
export function parseXMatrixAuthorization(header: string): XMatrixParseResult {
  const fail = (reason: string) => ({ ok: false as const, reason });
  const m = SCHEME.exec(header);
  if (m === null) return fail("not an X-Matrix authorization");
  let rest = header.slice(m[0].length);
  const params = new Map<string, string>();
  for (;;) {
    rest = rest.replace(/^[ \t]+/, "");
    const name = NAME.exec(rest);
    if (name === null) return fail("expected a parameter name");
    rest = rest.slice(name[0].length).replace(/^[ \t]+/, "");
    if (!rest.startsWith("=")) return fail(`expected '=' after ${name[0]}`);
    rest = rest.slice(1).replace(/^[ \t]+/, "");
    let value: string;
    if (rest.startsWith('"')) {
      let i = 1;
      value = "";
      for (;;) {
        if (i >= rest.length) return fail("unterminated quoted value");
        const c = rest[i]!;
        if (c === '"') break;
        if (c === "\\") {
          if (i + 1 >= rest.length) return fail("unterminated quoted value");
          value += rest[i + 1];
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      rest = rest.slice(i + 1);
    } else {
      const bare = BARE_VALUE.exec(rest);
      if (bare === null) return fail(`expected a value for ${name[0]}`);
      value = bare[0];
      rest = rest.slice(value.length);
    }
    const key = name[0].toLowerCase();
    if (params.has(key)) return fail(`parameter ${key} appears twice`);
    params.set(key, value);
    rest = rest.replace(/^[ \t]+/, "");
    if (rest === "") break;
    if (!rest.startsWith(",")) return fail("expected ',' between parameters");
    rest = rest.slice(1);
  }
  const origin = params.get("origin");
  const destination = params.get("destination");
  const key = params.get("key");
  const sig = params.get("sig");
  if (origin === undefined || key === undefined || sig === undefined) return fail("origin, key and sig are required");
  if (!isServerName(origin)) return fail("origin is not a server name");
  if (destination !== undefined && !isServerName(destination)) return fail("destination is not a server name");
  const keyId = parseKeyId(key);
  if (keyId === null) return fail("key is not a key ID");
  return { ok: true, auth: { origin, destination: destination as ServerName | undefined, key: keyId, sig } };
}

export type XMatrixCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a parsed header against the request this server received. `ourName` is this server's name:
 * a `destination` naming another server is refused (the spec's 401), and when the header has none the
 * signed object is rebuilt with ours. `verifyKey` is the origin's key named by `auth.key`.
 */
export function verifyXMatrixRequest(
  auth: XMatrixAuthorization,
  request: { readonly method: string; readonly uri: string; readonly content?: unknown },
  ourName: ServerName,
  verifyKey: VerifyKey,
): XMatrixCheck {
  if (auth.destination !== undefined && auth.destination !== ourName) {
    return { ok: false, reason: `request is for ${auth.destination}, not ${ourName}` };
  }
  const signed = {
    ...xMatrixSignedObject({ ...request, origin: auth.origin, destination: ourName }),
    signatures: { [auth.origin]: { [auth.key]: auth.sig } },
  };
  return verifyJson(signed, auth.origin, auth.key, verifyKey)
    ? { ok: true }
    : { ok: false, reason: `invalid signature from ${auth.origin} with ${auth.key}` };
}
