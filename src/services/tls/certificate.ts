/**
 * A certificate chain and its private key, checked before they are ever handed to the TLS listener:
 * both must be PEM, the key must belong to the first certificate of the chain. What the listener needs
 * (the PEM texts) travels together with what decisions need (names, validity).
 */
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";

/** A TLS problem the operator can fix (missing file, wrong key, ...). The message says what and where. */
export class TlsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsSetupError";
  }
}

export interface CertificatePair {
  /** The PEM chain: the server's certificate first, then intermediates. */
  certPem: string;
  keyPem: string;
  /** DNS names (and IP addresses) the certificate is valid for. */
  names: string[];
  notBefore: number;
  notAfter: number;
  /** SHA-256 over the certificate's DER, lowercase hex: tells two certificates apart in logs and tests. */
  fingerprint: string;
  /** Serial number, uppercase hex as in openssl output. */
  serial: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Checks a chain and key given as PEM text. `where` names their origin in error messages (file paths
 * or "the stored ACME certificate").
 */
export function parseCertificatePair(
  certPem: string,
  keyPem: string,
  where: { cert: string; key: string },
): CertificatePair {
  const blocks = certPem.match(CERT_BLOCK);
  if (!blocks) throw new TlsSetupError(`${where.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0]);
    for (const b of blocks.slice(1)) new X509Certificate(b);
  } catch (e) {
    throw new TlsSetupError(`${where.cert} holds a damaged certificate: ${(e as Error).message}`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) {
    throw new TlsSetupError(`${where.key} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch (e) {
    const msg = (e as Error).message;
    throw new TlsSetupError(
      /passphrase|encrypted/i.test(msg) || /ENCRYPTED/.test(keyPem)
        ? `${where.key} is encrypted with a passphrase; give an unencrypted key (readable only by the server's user)`
        : `${where.key} holds a damaged private key: ${msg}`,
    );
  }
  if (!matches) {
    throw new TlsSetupError(
      `${where.key} does not belong to the certificate in ${where.cert} (the first certificate of the chain must be the server's own)`,
    );
  }
  return {
    certPem,
    keyPem,
    names: subjectNames(leaf),
    notBefore: leaf.validFromDate.getTime(),
    notAfter: leaf.validToDate.getTime(),
    fingerprint: createHash("sha256").update(leaf.raw).digest("hex"),
    serial: leaf.serialNumber.toUpperCase(),
  };
}

function subjectNames(cert: X509Certificate): string[] {
  const names: string[] = [];
  for (const part of (cert.subjectAltName ?? "").split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.+)$/.exec(part.trim());
    if (m) names.push(m[2]!.toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
    if (cn) names.push(cn[1]!.toLowerCase());
  }
  return names;
}

/** True when the certificate is valid for `host` (exact names, and one-label wildcards such as *.example.org). */
export function certificateCovers(pair: CertificatePair, host: string): boolean {
  const h = host.toLowerCase();
  return pair.names.some((n) => {
    if (n === h) return true;
    if (!n.startsWith("*.") || !h.endsWith(n.slice(1))) return false;
    const label = h.slice(0, h.length - n.length + 1);
    return label.length > 0 && !label.includes(".");
  });
}
