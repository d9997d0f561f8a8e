/**
 * `homeserver init`: the first-run wizard. Interactive on a terminal; with --yes (or flags for every
 * answer) it asks nothing. Writes the data directory (0700), the signing key (0600), the database
 * (migrated, server name recorded), the admin account, and last the commented config file (0600).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { renderConfigToml } from "../config/example";
import { parseConfigText } from "../config/load";
import type { ConfigInput } from "../config/schema";
import { MatrixError } from "../core/errors";
import { createServer } from "../server";
import { silentLogger } from "../util/log";
import { flagString, positionals, rejectUnknownFlags, UsageError } from "./args";
import { type CliContext, CliError, type Command, EXIT } from "./command";
import {
  checkAdminUser,
  checkEmail,
  checkPasswordLength,
  checkPublicUrl,
  checkReadableFile,
  checkServerName,
  defaultListen,
  defaultPublicUrl,
  type InitAnswers,
  MIN_PASSWORD_LENGTH,
  normalizePublicUrl,
  parseListen,
  REGISTRATION_MODES,
  TLS_MODES,
} from "./init-answers";
import { nextSteps } from "./init-next-steps";
import { type GivenAnswers, runWizard, summary, WizardCancelled } from "./init-wizard";
import { readPasswordFile } from "./password-input";
import { generateSigningKeyText, signingKeyProblem } from "./signing-key";

const VALUE_FLAGS = [
  "config",
  "data-dir",
  "server-name",
  "public-url",
  "listen",
  "tls",
  "acme-email",
  "cert-file",
  "key-file",
  "registration",
  "admin-user",
  "admin-password-file",
] as const;

export const initCommand: Command = {
  summary: "First-run wizard: write the config, signing key and database, create the admin",
  help: `Usage: homeserver init [options]

Sets up a new homeserver: asks a few questions on a terminal (options given as flags are not asked),
then writes the config file, the data directory with the signing key and the database, creates the
admin account, and prints what you still need to set up (DNS, ports, .well-known, systemd).
With --yes it asks nothing: every answer comes from a flag or its default.

Options:
  --config PATH               Config file to write (default ./homeserver.toml)
  --data-dir DIR              Data directory: database, signing key, media (default ./data)
  --server-name NAME          Server name, the part after ':' in user IDs (required with --yes)
  --public-url URL            URL clients reach the server at (default https://<server name>)
  --tls MODE                  acme | files | reverse-proxy (default reverse-proxy)
  --acme-email ADDRESS        Contact e-mail for certificates (--tls acme)
  --cert-file FILE            PEM certificate chain (--tls files)
  --key-file FILE             PEM private key (--tls files)
  --listen HOST:PORT          Listen address (default 127.0.0.1:8008 behind a reverse proxy, else 0.0.0.0:443)
  --registration MODE         closed | token | open (default closed)
  --admin-user NAME           Admin account to create (default admin; with --yes, only if given)
  --admin-password-file FILE  Read the admin password from FILE; - reads standard input
  --yes                       Ask nothing; take defaults for what the flags do not give
  --force                     Overwrite an existing config file (the signing key and database are kept)
`,
  valueFlags: VALUE_FLAGS,
  async run(args, ctx) {
    rejectUnknownFlags(args, [...VALUE_FLAGS, "yes", "force"]);
    positionals(args, []);
    const configPath = resolve(ctx.cwd, flagString(args, "config") ?? "homeserver.toml");
    const dataDir = resolve(ctx.cwd, flagString(args, "data-dir") ?? "data");
    const yes = args.flags.get("yes") === true;
    const force = args.flags.get("force") === true;

    // Refuse before asking anything.
    if (existsSync(configPath) && !force) {
      throw new CliError(`${configPath} already exists; pass --force to overwrite it (the data directory is kept)`);
    }
    if (!existsSync(dirname(configPath))) throw new CliError(`directory ${dirname(configPath)} does not exist`);

    const given = await givenAnswers(args, ctx);
    let answers: InitAnswers;
    if (yes) answers = completeWithDefaults(given);
    else if (ctx.prompter) {
      try {
        answers = await runWizard(ctx.prompter, ctx.out, given, MIN_PASSWORD_LENGTH);
      } catch (e) {
        if (!(e instanceof WizardCancelled)) throw e;
        ctx.out("Cancelled; nothing was written.\n");
        return EXIT.error;
      } finally {
        ctx.prompter.close();
      }
    } else {
      throw new UsageError(
        "standard input is not a terminal, so the wizard cannot ask its questions: pass --yes and the answers as flags",
      );
    }
    if (yes) ctx.out(`${summary(answers)}\n\n`);
    await writeEverything(answers, { configPath, dataDir, force }, ctx);
    return EXIT.ok;
  },
};

function usage(problem: string | null, flag: string): void {
  if (problem) throw new UsageError(`--${flag}: ${problem}`);
}

/** Reads and validates the answers given as flags. */
async function givenAnswers(args: Parameters<Command["run"]>[0], ctx: CliContext): Promise<GivenAnswers> {
  const g: GivenAnswers = {};
  const f = (name: (typeof VALUE_FLAGS)[number]) => flagString(args, name);

  const serverName = f("server-name");
  if (serverName !== undefined) {
    usage(checkServerName(serverName), "server-name");
    g.serverName = serverName;
  }
  const publicUrl = f("public-url");
  if (publicUrl !== undefined) {
    usage(checkPublicUrl(publicUrl), "public-url");
    g.publicUrl = normalizePublicUrl(publicUrl);
  }
  const tls = f("tls");
  if (tls !== undefined) {
    const mode = TLS_MODES.find((m) => m.value === tls)?.value;
    if (!mode) throw new UsageError(`--tls takes ${TLS_MODES.map((m) => m.value).join(", ")}; not "${tls}"`);
    g.tls = mode;
  }
  const acmeEmail = f("acme-email");
  if (acmeEmail !== undefined) {
    usage(checkEmail(acmeEmail), "acme-email");
    g.acmeEmail = acmeEmail;
  }
  for (const [flag, what, key] of [
    ["cert-file", "certificate", "certFile"],
    ["key-file", "key", "keyFile"],
  ] as const) {
    const v = f(flag);
    if (v === undefined) continue;
    const path = resolve(ctx.cwd, v);
    usage(checkReadableFile(path, what), flag);
    g[key] = path;
  }
  const listen = f("listen");
  if (listen !== undefined) {
    const r = parseListen(listen, "127.0.0.1");
    if (typeof r === "string") throw new UsageError(`--listen: ${r}`);
    g.listenHost = r.host;
    g.listenPort = r.port;
  }
  const registration = f("registration");
  if (registration !== undefined) {
    const mode = REGISTRATION_MODES.find((m) => m.value === registration)?.value;
    if (!mode) {
      throw new UsageError(
        `--registration takes ${REGISTRATION_MODES.map((m) => m.value).join(", ")}; not "${registration}"`,
      );
    }
    g.registration = mode;
  }
  const adminUser = f("admin-user");
  const passwordFile = f("admin-password-file");
  if (adminUser !== undefined) {
    // The server name is needed for the full length check; a provisional one checks the grammar now.
    usage(checkAdminUser(adminUser, g.serverName ?? "example.org"), "admin-user");
    g.adminUser = adminUser;
  }
  if (passwordFile !== undefined) {
    const pw = await readPasswordFile(passwordFile, ctx);
    usage(checkPasswordLength(pw, MIN_PASSWORD_LENGTH), "admin-password-file");
    g.adminPassword = pw;
    g.adminUser ??= "admin";
  }
  // Options that belong to another TLS mode are a mistake worth pointing out.
  if (g.tls && g.tls !== "acme" && g.acmeEmail) throw new UsageError("--acme-email is only for --tls acme");
  if (g.tls && g.tls !== "files" && (g.certFile || g.keyFile)) {
    throw new UsageError("--cert-file and --key-file are only for --tls files");
  }
  return g;
}

/** --yes: the defaults for everything the flags did not give; what has no default is a usage error. */
function completeWithDefaults(g: GivenAnswers): InitAnswers {
  if (!g.serverName) throw new UsageError("--yes needs --server-name NAME");
  const tls = g.tls ?? (g.acmeEmail ? "acme" : g.certFile ? "files" : "reverse-proxy");
  if (tls === "acme" && !g.acmeEmail) throw new UsageError("--tls acme needs --acme-email ADDRESS");
  if (tls === "files" && (!g.certFile || !g.keyFile)) {
    throw new UsageError("--tls files needs --cert-file FILE and --key-file FILE");
  }
  if (g.adminUser !== undefined && g.adminPassword === undefined) {
    throw new UsageError("--admin-user with --yes needs --admin-password-file FILE");
  }
  const listen = parseListen(defaultListen(tls), "127.0.0.1") as { host: string; port: number };
  return {
    serverName: g.serverName,
    publicUrl: g.publicUrl ?? defaultPublicUrl(g.serverName),
    listenHost: g.listenHost ?? listen.host,
    listenPort: g.listenPort ?? listen.port,
    tls,
    acmeEmail: g.acmeEmail ?? "",
    certFile: g.certFile ?? "",
    keyFile: g.keyFile ?? "",
    registration: g.registration ?? "closed",
    admin: g.adminUser !== undefined ? { user: g.adminUser, password: g.adminPassword! } : null,
  };
}

export function configValues(a: InitAnswers, dataDirSetting: string): ConfigInput {
  return {
    server_name: a.serverName,
    public_base_url: a.publicUrl,
    data_dir: dataDirSetting,
    listen: { host: a.listenHost, port: a.listenPort },
    tls: {
      mode: a.tls,
      ...(a.tls === "acme" ? { acme_email: a.acmeEmail } : {}),
      // Absolute: the config reads relative paths from its own folder, not from where init ran.
      ...(a.tls === "files" ? { cert_file: resolve(a.certFile), key_file: resolve(a.keyFile) } : {}),
    },
    registration: { mode: a.registration },
  };
}

/** data_dir as written in the config: relative to the config file when inside its directory. */
function dataDirSetting(configPath: string, dataDir: string): string {
  const rel = relative(dirname(configPath), dataDir);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? `./${rel}` : dataDir;
}

/** Writes `text` to `path` with `mode`, atomically (temporary file + rename). */
function writePrivateFile(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

async function writeEverything(
  a: InitAnswers,
  paths: { configPath: string; dataDir: string; force: boolean },
  ctx: CliContext,
): Promise<void> {
  const { configPath, dataDir } = paths;
  const header =
    `# Hearth homeserver configuration, written by \`homeserver init\` on ${new Date().toISOString().slice(0, 10)}.\n` +
    "# Every option is listed with its description; commented-out ones take the default shown.\n" +
    "# After a change, restart the server. The server name can never change once users exist.\n\n";
  const toml = renderConfigToml(
    configValues(a, dataDirSetting(configPath, dataDir)) as Record<string, unknown>,
    header,
  );
  // Exactly what `run` will read: a mistake here must not reach the disk.
  const config = parseConfigText(toml);

  const createdDataDir = !existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (createdDataDir) chmodSync(dataDir, 0o700);

  const keyPath = join(dataDir, "signing.key");
  let keptKey = false;
  if (existsSync(keyPath)) {
    const problem = signingKeyProblem(await Bun.file(keyPath).text());
    if (problem) {
      throw new CliError(
        `${keyPath} exists but is not a valid signing key file (${problem}); move it away and run init again`,
      );
    }
    keptKey = true;
  } else writePrivateFile(keyPath, generateSigningKeyText(), 0o600);

  const server = createServer(config, { dataDir, logger: silentLogger });
  let adminNote = "";
  try {
    if (a.admin) {
      try {
        const user = await server.services.accounts.createUser({
          localpart: a.admin.user,
          password: a.admin.password,
          admin: true,
        });
        adminNote = user.userId;
      } catch (e) {
        if (!(e instanceof MatrixError && e.errcode === "M_USER_IN_USE")) throw e;
        adminNote = `${server.services.accounts.userIdFor(a.admin.user)} (already existed; left unchanged)`;
      }
    }
  } finally {
    await server.stop();
  }
  // It holds password hashes (the data directory is 0700 too).
  chmodSync(join(dataDir, "homeserver.db"), 0o600);

  writePrivateFile(configPath, toml, 0o600);
  ctx.out(
    nextSteps(a, {
      configPath,
      dataDir,
      keptKey,
      adminNote,
    }),
  );
}
