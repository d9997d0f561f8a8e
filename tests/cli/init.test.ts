import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load";
import { parseSigningKeyFile } from "../../src/core/crypto/signing-key-file";
import { createServer } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import { initServer, runCli, tempDir } from "./harness";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

const mode = (p: string) => statSync(p).mode & 0o777;

/** Opens what init wrote, as `run` would, and hands over the services. */
async function withWritten<T>(fn: (s: ReturnType<typeof createServer>) => Promise<T> | T): Promise<T> {
  const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
  const server = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

describe("init --yes", () => {
  test("writes the config, a private data dir, the signing key, the database and the admin", async () => {
    const r = await initServer(dir.path, ["--listen", "127.0.0.1:18448", "--registration", "token"]);
    const configPath = join(dir.path, "homeserver.toml");
    const loaded = await loadConfigFile(configPath, {});
    expect(loaded.config.server_name).toBe("hs.test");
    expect(loaded.config.public_base_url).toBe("https://matrix.hs.test");
    expect(loaded.config.listen).toMatchObject({ host: "127.0.0.1", port: 18448 });
    expect(loaded.config.registration.mode).toBe("token");
    expect(loaded.config.tls.mode).toBe("reverse-proxy");
    expect(loaded.dataDir).toBe(join(dir.path, "data"));
    // The config keeps every option documented.
    const text = readFileSync(configPath, "utf8");
    expect(text).toContain("# Who can create accounts.");
    expect(text).toContain("# min_password_length = 8");
    expect(text).toContain('data_dir = "./data"');

    expect(mode(configPath)).toBe(0o600);
    expect(mode(join(dir.path, "data"))).toBe(0o700);
    const keyPath = join(dir.path, "data", "signing.key");
    expect(mode(keyPath)).toBe(0o600);
    const key = parseSigningKeyFile(readFileSync(keyPath, "utf8"));
    expect(key.ok).toBe(true);
    expect(readFileSync(keyPath, "utf8")).toMatch(/^ed25519 a_[A-Za-z]{4} [A-Za-z0-9+/]{43}\n$/);
    expect(mode(join(dir.path, "data", "homeserver.db"))).toBe(0o600);

    await withWritten(async ({ services: { accounts } }) => {
      const admin = accounts.getUser("@alice:hs.test");
      expect(admin?.isAdmin).toBe(true);
      expect(await accounts.checkPassword("@alice:hs.test", "correct horse")).toBe(true);
    });

    expect(r.out).toContain("Wrote:");
    expect(r.out).toContain("@alice:hs.test");
    expect(r.out).toContain("homeserver token create");
  });

  test("prints the .well-known documents when the server name is not the public host", async () => {
    const r = await initServer(dir.path);
    expect(r.out).toContain(
      'https://hs.test/.well-known/matrix/server must return   {"m.server": "matrix.hs.test:443"}',
    );
    expect(r.out).toContain('{"m.homeserver": {"base_url": "https://matrix.hs.test"}}');
    expect(r.out).toMatch(/DNS: point matrix\.hs\.test/);
    expect(r.out).toMatch(/forward \/_matrix\/ and \/_synapse\/client\/\n\s+to http:\/\/127\.0\.0\.1:8008/);
  });

  test("says nothing needs serving at .well-known when the server name is the public host", async () => {
    const r = await runCli(["init", "--yes", "--server-name", "hs.test"], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect(r.out).toContain("Nothing for .well-known");
    expect(r.out).toContain("add one with `homeserver user add NAME --admin`");
    const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(loaded.config.public_base_url).toBe("https://hs.test");
    await withWritten(({ services: { accounts } }) => expect(accounts.listUsers().total).toBe(0));
  });

  test("--tls acme: e-mail recorded, listens on 443 by default, ports 80 and 443 in the instructions", async () => {
    const r = await runCli(
      ["init", "--yes", "--server-name", "hs.test", "--tls", "acme", "--acme-email", "op@hs.test"],
      {
        cwd: dir.path,
      },
    );
    expect(r.code).toBe(0);
    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config.tls).toMatchObject({ mode: "acme", acme_email: "op@hs.test" });
    expect(config.listen).toMatchObject({ host: "0.0.0.0", port: 443 });
    expect(r.out).toContain("open TCP 80 and 443");
  });

  test("--tls files: the certificate paths are recorded as absolute paths", async () => {
    await Bun.write(join(dir.path, "cert.pem"), "x");
    await Bun.write(join(dir.path, "key.pem"), "x");
    const r = await runCli(
      [
        "init",
        "--yes",
        "--server-name",
        "hs.test",
        "--tls",
        "files",
        "--cert-file",
        "cert.pem",
        "--key-file",
        "key.pem",
      ],
      { cwd: dir.path },
    );
    expect(r.code).toBe(0);
    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config.tls).toMatchObject({
      mode: "files",
      cert_file: join(dir.path, "cert.pem"),
      key_file: join(dir.path, "key.pem"),
    });
  });

  test("--config and --data-dir elsewhere: data_dir is written so that run finds it", async () => {
    const r = await runCli(
      ["init", "--yes", "--server-name", "hs.test", "--config", "etc/hs.toml", "--data-dir", "var/lib/hearth"],
      { cwd: dir.path },
    );
    // The config's directory must exist: init does not invent /etc-like directories.
    expect(r.code).toBe(1);
    expect(r.err).toContain("does not exist");

    await Bun.write(join(dir.path, "etc", ".keep"), "");
    const ok = await runCli(
      ["init", "--yes", "--server-name", "hs.test", "--config", "etc/hs.toml", "--data-dir", "var/lib/hearth"],
      { cwd: dir.path },
    );
    expect(ok.code).toBe(0);
    const loaded = await loadConfigFile(join(dir.path, "etc", "hs.toml"), {});
    expect(loaded.dataDir).toBe(join(dir.path, "var", "lib", "hearth"));
    expect(existsSync(join(dir.path, "var", "lib", "hearth", "signing.key"))).toBe(true);
  });

  test("refuses to overwrite a config without --force, and changes nothing", async () => {
    await initServer(dir.path);
    const configPath = join(dir.path, "homeserver.toml");
    const before = readFileSync(configPath, "utf8");
    const r = await runCli(["init", "--yes", "--server-name", "other.test"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain("already exists; pass --force");
    expect(readFileSync(configPath, "utf8")).toBe(before);
  });

  test("--force rewrites the config but keeps the signing key and the accounts", async () => {
    await initServer(dir.path);
    const keyPath = join(dir.path, "data", "signing.key");
    const key = readFileSync(keyPath, "utf8");
    const r = await initServer(dir.path, ["--force", "--registration", "open"]);
    expect(readFileSync(keyPath, "utf8")).toBe(key);
    expect(r.out).toContain("signing key kept from before");
    expect(r.out).toContain("@alice:hs.test (already existed; left unchanged)");
    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config.registration.mode).toBe("open");
  });

  test("--force with another server name is refused by the database, and the config is not replaced", async () => {
    await initServer(dir.path);
    const configPath = join(dir.path, "homeserver.toml");
    const before = readFileSync(configPath, "utf8");
    const r = await runCli(["init", "--yes", "--force", "--server-name", "other.test"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain('This database belongs to server "hs.test"');
    expect(readFileSync(configPath, "utf8")).toBe(before);
  });

  test("an existing file that is not a signing key is not overwritten", async () => {
    await Bun.write(join(dir.path, "data", "signing.key"), "my notes\n");
    const r = await runCli(["init", "--yes", "--server-name", "hs.test"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain("is not a valid signing key file");
    expect(readFileSync(join(dir.path, "data", "signing.key"), "utf8")).toBe("my notes\n");
    expect(existsSync(join(dir.path, "homeserver.toml"))).toBe(false);
  });

  const usageCases: [string, string[], RegExp][] = [
    ["--yes without --server-name", [], /--yes needs --server-name/],
    [
      "a server name that is a URL",
      ["--server-name", "https://hs.test"],
      /--server-name: give a name like example.org/,
    ],
    ["a server name with a space", ["--server-name", "my server"], /--server-name: the server name must be a DNS name/],
    [
      "a public URL that is not http(s)",
      ["--public-url", "ftp://hs.test"],
      /--public-url: the public URL must be an http/,
    ],
    ["a public URL with a path", ["--public-url", "https://hs.test/matrix"], /must not have a path/],
    ["an unknown TLS mode", ["--tls", "letsencrypt"], /--tls takes acme, files, reverse-proxy/],
    ["acme without an e-mail", ["--tls", "acme"], /--tls acme needs --acme-email/],
    ["a bad e-mail", ["--acme-email", "nobody"], /--acme-email: "nobody" is not an e-mail address/],
    ["files without certificate", ["--tls", "files"], /--tls files needs --cert-file/],
    ["a missing certificate file", ["--cert-file", "nope.pem"], /--cert-file: .*nope\.pem does not exist/],
    ["an e-mail with files mode", ["--tls", "reverse-proxy", "--acme-email", "a@b.c"], /only for --tls acme/],
    ["a listen address without a port", ["--listen", "localhost"], /--listen: "localhost" is not HOST:PORT/],
    ["a listen port out of range", ["--listen", "127.0.0.1:70000"], /--listen: .*65535/],
    ["an unknown registration mode", ["--registration", "invite"], /--registration takes closed, token, open/],
    ["an admin name with capitals", ["--admin-user", "Alice"], /--admin-user: The username may contain only/],
    ["a full user ID as admin", ["--admin-user", "@alice:hs.test"], /--admin-user: give just the username/],
    [
      "an admin without a password file",
      ["--admin-user", "alice"],
      /--admin-user with --yes needs --admin-password-file/,
    ],
    ["an unknown option", ["--domain", "x"], /unknown option --domain/],
  ];
  for (const [name, flags, message] of usageCases) {
    test(`usage error: ${name}; nothing is written`, async () => {
      const argv = [
        "init",
        "--yes",
        ...(flags.includes("--server-name") || name.includes("--server-name") ? [] : ["--server-name", "hs.test"]),
        ...flags,
      ];
      const r = await runCli(argv, { cwd: dir.path });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(existsSync(join(dir.path, "homeserver.toml"))).toBe(false);
      expect(existsSync(join(dir.path, "data"))).toBe(false);
    });
  }

  test("a too-short admin password from a file is refused", async () => {
    await Bun.write(join(dir.path, "pw"), "short\n");
    const r = await runCli(
      ["init", "--yes", "--server-name", "hs.test", "--admin-user", "alice", "--admin-password-file", "pw"],
      { cwd: dir.path },
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain("at least 8 characters");
  });

  test("without --yes and without a terminal, init says to pass --yes", async () => {
    const r = await runCli(["init", "--server-name", "hs.test"], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.err).toContain("not a terminal");
    expect(r.err).toContain("--yes");
  });
});

describe("init on a terminal (scripted answers)", () => {
  const ALL_DEFAULTS = [
    "hs.test", // server name
    "", // public URL: default https://hs.test
    "", // TLS: reverse-proxy
    "", // listen: 127.0.0.1:8008
    "", // registration: closed
    "", // admin: admin
    "correct horse",
    "correct horse",
    "", // write? yes
  ];

  test("asks every question, takes the defaults on Enter, and writes the result", async () => {
    const r = await runCli(["init"], { cwd: dir.path, answers: ALL_DEFAULTS });
    expect(r.code).toBe(0);
    expect(r.questions).toEqual([
      "Server name: ",
      "Public URL [https://hs.test]: ",
      "Choose acme/files/reverse-proxy [reverse-proxy]: ",
      "Listen address and port [127.0.0.1:8008]: ",
      "Choose closed/token/open [closed]: ",
      "Admin username [admin]: ",
      "Admin password: ",
      "Admin password (again): ",
      "Write this configuration? (yes/no) [yes]: ",
    ]);
    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config).toMatchObject({
      server_name: "hs.test",
      public_base_url: "https://hs.test",
      listen: { host: "127.0.0.1", port: 8008 },
      tls: { mode: "reverse-proxy" },
      registration: { mode: "closed" },
    });
    await withWritten(async ({ services: { accounts } }) => {
      expect(await accounts.checkPassword("@admin:hs.test", "correct horse")).toBe(true);
      expect(accounts.getUser("@admin:hs.test")?.isAdmin).toBe(true);
    });
  });

  test("re-asks after invalid answers and accepts choices by number or prefix", async () => {
    const r = await runCli(["init"], {
      cwd: dir.path,
      answers: [
        "", // server name is required
        "bad name",
        "hs.test",
        "matrix.hs.test", // not a URL
        "https://matrix.hs.test/",
        "tls?", // not a choice
        "1", // acme
        "nobody", // not an e-mail
        "op@hs.test",
        "[::]:99999", // bad port
        "[::]:8448",
        "t", // token
        "Admin", // capitals are not allowed
        "root",
        "short", // too short
        "long enough 1",
        "long enough 2", // mismatch
        "long enough 1",
        "long enough 1",
        "maybe",
        "y",
      ],
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain("the server name is required");
    expect(r.out).toContain("the server name must be a DNS name");
    expect(r.out).toContain("the public URL must be an http:// or https:// URL");
    expect(r.out).toContain("answer one of acme/files/reverse-proxy (or 1-3)");
    expect(r.out).toContain('"nobody" is not an e-mail address');
    expect(r.out).toContain("65535");
    expect(r.out).toContain("The username may contain only");
    expect(r.out).toContain("at least 8 characters");
    expect(r.out).toContain("do not match");
    expect(r.out).toContain("answer yes or no");
    expect(r.questions).toContain("E-mail for the certificate authority (expiry notices): ");
    expect(r.questions).toContain("Listen address and port [0.0.0.0:443]: ");

    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config).toMatchObject({
      server_name: "hs.test",
      public_base_url: "https://matrix.hs.test",
      listen: { host: "::", port: 8448 },
      tls: { mode: "acme", acme_email: "op@hs.test" },
      registration: { mode: "token" },
    });
    await withWritten(async ({ services: { accounts } }) =>
      expect(await accounts.checkPassword("@root:hs.test", "long enough 1")).toBe(true),
    );
  });

  test("flags answer their questions; only the rest is asked", async () => {
    await Bun.write(join(dir.path, "pw"), "correct horse\n");
    const r = await runCli(
      [
        "init",
        "--server-name",
        "hs.test",
        "--tls",
        "reverse-proxy",
        "--admin-user",
        "boss",
        "--admin-password-file",
        "pw",
      ],
      { cwd: dir.path, answers: ["", "", "open", ""] },
    );
    expect(r.code).toBe(0);
    expect(r.questions).toEqual([
      "Public URL [https://hs.test]: ",
      "Listen address and port [127.0.0.1:8008]: ",
      "Choose closed/token/open [closed]: ",
      "Write this configuration? (yes/no) [yes]: ",
    ]);
    const { config } = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
    expect(config.registration.mode).toBe("open");
  });

  test("answering no at the summary writes nothing", async () => {
    const answers = [...ALL_DEFAULTS.slice(0, -1), "no"];
    const r = await runCli(["init"], { cwd: dir.path, answers });
    expect(r.code).toBe(1);
    expect(r.out).toContain("nothing was written");
    expect(existsSync(join(dir.path, "homeserver.toml"))).toBe(false);
    expect(existsSync(join(dir.path, "data"))).toBe(false);
  });

  test("input ending midway writes nothing and exits 1", async () => {
    const r = await runCli(["init"], { cwd: dir.path, answers: ["hs.test", ""] });
    expect(r.code).toBe(1);
    expect(r.err).toContain("input ended");
    expect(existsSync(join(dir.path, "homeserver.toml"))).toBe(false);
  });

  test("an existing config is refused before any question is asked", async () => {
    await Bun.write(join(dir.path, "homeserver.toml"), "# mine\n");
    const r = await runCli(["init"], { cwd: dir.path, answers: ALL_DEFAULTS });
    expect(r.code).toBe(1);
    expect(r.questions).toEqual([]);
    expect(readFileSync(join(dir.path, "homeserver.toml"), "utf8")).toBe("# mine\n");
  });
});
