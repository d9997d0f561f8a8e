/**
 * What ACME mode keeps in <data_dir>/acme/ (directory 0700):
 *   account.key       the ACME account's private key (0600), created once
 *   certificate.pem   the current certificate chain
 *   certificate.key   its private key (0600)
 * Each file is written to a temporary name and renamed into place, so a crash leaves the old file or
 * the new one, never half of one. A certificate whose key was not written yet is refused when loaded
 * (they do not match) and simply obtained again.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface AcmeStore {
  readonly dir: string;
  loadAccountKey(): string | null;
  saveAccountKey(pem: string): void;
  loadCertificate(): { certPem: string; keyPem: string } | null;
  saveCertificate(certPem: string, keyPem: string): void;
  /** Paths, for log lines and error messages. */
  readonly paths: { accountKey: string; cert: string; key: string };
}

export function createAcmeStore(dataDir: string): AcmeStore {
  const dir = join(dataDir, "acme");
  const paths = {
    accountKey: join(dir, "account.key"),
    cert: join(dir, "certificate.pem"),
    key: join(dir, "certificate.key"),
  };
  const ensureDir = () => {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  };
  const write = (path: string, text: string, mode: number) => {
    ensureDir();
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode); // the umask may have taken bits away; never added any
    renameSync(tmp, path);
  };
  const read = (path: string): string | null => (existsSync(path) ? readFileSync(path, "utf8") : null);

  return {
    dir,
    paths,
    loadAccountKey: () => read(paths.accountKey),
    saveAccountKey: (pem) => write(paths.accountKey, pem, 0o600),
    loadCertificate() {
      const certPem = read(paths.cert);
      const keyPem = read(paths.key);
      return certPem !== null && keyPem !== null ? { certPem, keyPem } : null;
    },
    saveCertificate(certPem, keyPem) {
      write(paths.key, keyPem, 0o600);
      write(paths.cert, certPem, 0o644);
    },
  };
}
