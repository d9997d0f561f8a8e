/**
 * The interactive part of `homeserver init`: asks what the flags did not answer, with defaults and
 * re-asking on invalid input, then shows a summary to confirm.
 */
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
  normalizePublicUrl,
  parseListen,
  pickChoice,
  REGISTRATION_MODES,
  type RegistrationMode,
  TLS_MODES,
  type TlsMode,
} from "./init-answers";
import { promptNewPassword } from "./password-input";
import type { Prompter } from "./prompt";

/** What the flags already answered; the wizard asks the rest. */
export type GivenAnswers = Partial<Omit<InitAnswers, "admin">> & {
  adminUser?: string;
  adminPassword?: string;
};

/** Asks until `check` accepts; an empty answer takes `def` when there is one. */
async function askValid(
  p: Prompter,
  say: (t: string) => void,
  question: string,
  def: string | undefined,
  check: (v: string) => string | null,
): Promise<string> {
  for (;;) {
    const raw = (await p.ask(def !== undefined && def !== "" ? `${question} [${def}]: ` : `${question}: `)).trim();
    const v = raw === "" && def !== undefined ? def : raw;
    const problem = check(v);
    if (!problem) return v;
    say(`  ${problem}\n`);
  }
}

async function askChoice<T extends string>(
  p: Prompter,
  say: (t: string) => void,
  question: string,
  choices: readonly { value: T; help: string }[],
  def: T,
): Promise<T> {
  const width = Math.max(...choices.map((c) => c.value.length));
  say(`${question}\n${choices.map((c, i) => `  ${i + 1}) ${c.value.padEnd(width)}  ${c.help}`).join("\n")}\n`);
  const names = choices.map((c) => c.value).join("/");
  const v = await askValid(p, say, `Choose ${names}`, def, (v) =>
    pickChoice(choices, v) ? null : `answer one of ${names} (or 1-${choices.length})`,
  );
  return pickChoice(choices, v)!;
}

export async function runWizard(
  p: Prompter,
  say: (t: string) => void,
  given: GivenAnswers,
  minPasswordLength: number,
): Promise<InitAnswers> {
  say("Hearth setup. Press Enter to take the [default]; Ctrl-C quits without writing anything.\n\n");

  let serverName = given.serverName;
  if (serverName === undefined) {
    say(
      "The server name is the part after the colon in user IDs (@alice:example.org).\n" +
        "It can never change later. Usually your domain, e.g. example.org.\n",
    );
    serverName = await askValid(p, say, "Server name", undefined, checkServerName);
  }

  let publicUrl = given.publicUrl;
  if (publicUrl === undefined) {
    say("\nThe public URL is where clients and other servers reach this server over HTTPS.\n");
    publicUrl = normalizePublicUrl(await askValid(p, say, "Public URL", defaultPublicUrl(serverName), checkPublicUrl));
  }

  let tls: TlsMode | undefined = given.tls;
  if (tls === undefined) {
    say("\n");
    tls = await askChoice(p, say, "How is HTTPS provided?", TLS_MODES, "reverse-proxy");
  }
  let acmeEmail = given.acmeEmail ?? "";
  let certFile = given.certFile ?? "";
  let keyFile = given.keyFile ?? "";
  if (tls === "acme" && !acmeEmail) {
    acmeEmail = await askValid(p, say, "E-mail for the certificate authority (expiry notices)", undefined, checkEmail);
  }
  if (tls === "files") {
    if (!certFile) {
      certFile = await askValid(p, say, "Certificate chain file (PEM)", undefined, (v) =>
        checkReadableFile(v, "certificate"),
      );
    }
    if (!keyFile) {
      keyFile = await askValid(p, say, "Private key file (PEM)", undefined, (v) => checkReadableFile(v, "key"));
    }
  }

  let listenHost = given.listenHost;
  let listenPort = given.listenPort;
  if (listenHost === undefined || listenPort === undefined) {
    say(
      tls === "reverse-proxy"
        ? "\nThe address the server listens on; your reverse proxy forwards to it.\n"
        : "\nThe address the server listens on (0.0.0.0 means every IPv4 address, [::] every address).\n",
    );
    const def = defaultListen(tls);
    const v = await askValid(p, say, "Listen address and port", def, (v) => {
      const r = parseListen(v, "127.0.0.1");
      return typeof r === "string" ? r : null;
    });
    const r = parseListen(v, "127.0.0.1") as { host: string; port: number };
    listenHost = r.host;
    listenPort = r.port;
  }

  let registration: RegistrationMode | undefined = given.registration;
  if (registration === undefined) {
    say("\n");
    registration = await askChoice(p, say, "Who can create accounts?", REGISTRATION_MODES, "closed");
  }

  let adminUser = given.adminUser;
  if (adminUser === undefined) {
    say("\nThe first account, a server admin.\n");
    adminUser = await askValid(p, say, "Admin username", "admin", (v) => checkAdminUser(v, serverName));
  }
  const adminPassword =
    given.adminPassword ??
    (await promptNewPassword(p, say, (pw) => checkPasswordLength(pw, minPasswordLength), "Admin password"));

  const answers: InitAnswers = {
    serverName,
    publicUrl,
    listenHost,
    listenPort,
    tls,
    acmeEmail,
    certFile,
    keyFile,
    registration,
    admin: { user: adminUser, password: adminPassword },
  };
  say(`\n${summary(answers)}\n`);
  const ok = await askValid(p, say, "Write this configuration? (yes/no)", "yes", (v) =>
    /^(y|yes|n|no)$/i.test(v) ? null : "answer yes or no",
  );
  if (/^n/i.test(ok)) throw new WizardCancelled();
  return answers;
}

export class WizardCancelled extends Error {
  constructor() {
    super("nothing was written");
    this.name = "WizardCancelled";
  }
}

export function summary(a: InitAnswers): string {
  const host = a.listenHost.includes(":") ? `[${a.listenHost}]` : a.listenHost;
  const rows: [string, string][] = [
    ["Server name", a.serverName],
    ["Public URL", a.publicUrl],
    ["HTTPS", a.tls + (a.tls === "acme" ? ` (${a.acmeEmail})` : a.tls === "files" ? ` (${a.certFile})` : "")],
    ["Listen on", `${host}:${a.listenPort}`],
    ["Registration", a.registration],
    ["Admin", a.admin ? `@${a.admin.user}:${a.serverName}` : "(none)"],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(14)}${v}`).join("\n");
}
