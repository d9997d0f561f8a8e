/** `homeserver token create|list|revoke`: registration tokens (registration.mode = "token"). */
import type { RegistrationToken } from "../services/accounts/registration-tokens";
import { flagString, positionals, rejectUnknownFlags, UsageError } from "./args";
import { CliError, type Command, type CommandGroup } from "./command";
import { CONFIG_FLAG_HELP, withServer } from "./open-server";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30m", "12h", "7d", "2w", or an ISO date/time; returns milliseconds since the epoch. */
export function parseExpiry(text: string, now: number): number {
  const rel = /^(\d+)([mhdw])$/.exec(text);
  if (rel) return now + Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) {
      if (t <= now) throw new UsageError(`--expires ${text} is in the past`);
      return t;
    }
  }
  throw new UsageError(`--expires takes a duration (30m, 12h, 7d, 2w) or a date (2030-01-31), not "${text}"`);
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${flag} takes a positive whole number, not "${text}"`);
  }
  return Number(text);
}

function describe(t: RegistrationToken): string {
  const uses = t.usesAllowed === null ? "unlimited uses" : `${t.usesAllowed} use${t.usesAllowed === 1 ? "" : "s"}`;
  const expiry = t.expiryTime === null ? "never expires" : `expires ${new Date(t.expiryTime).toISOString()}`;
  return `${uses}, ${expiry}`;
}

const create: Command = {
  summary: "Create a registration token",
  help: `Usage: homeserver token create [--uses N] [--expires WHEN] [--token TEXT | --length N] [--config PATH]

Creates a registration token and prints it. People register with it when registration.mode is
"token" (Element asks for it). Works while the server runs.

Options:
  --uses N         How many accounts it can create (default: unlimited)
  --expires WHEN   A duration (30m, 12h, 7d, 2w) or a date (2030-01-31); default: never
  --token TEXT     The token itself (1-64 characters from A-Z a-z 0-9 . _ ~ -); default: random
  --length N       Length of a random token (default 16)
${CONFIG_FLAG_HELP}`,
  valueFlags: ["uses", "expires", "token", "length", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["uses", "expires", "token", "length", "config"]);
    positionals(args, []);
    const uses = positiveInt("uses", flagString(args, "uses"));
    const length = positiveInt("length", flagString(args, "length"));
    const token = flagString(args, "token");
    if (token !== undefined && length !== undefined) throw new UsageError("give --token or --length, not both");
    const expiresText = flagString(args, "expires");
    return withServer(args, ctx, async ({ services }) => {
      const expiryTime = expiresText === undefined ? null : parseExpiry(expiresText, services.clock.now());
      const t = services.accounts.createToken({ token, length, usesAllowed: uses ?? null, expiryTime });
      ctx.out(`${t.token}\n`);
      ctx.err(`Created registration token (${describe(t)}).\n`);
      if (services.config.registration.mode !== "token") {
        ctx.err(
          `Note: registration.mode is "${services.config.registration.mode}"; tokens are used only when it is "token".\n`,
        );
      }
      return 0;
    });
  },
};

const list: Command = {
  summary: "List registration tokens",
  help: `Usage: homeserver token list [--valid] [--config PATH]

Lists registration tokens with their uses (completed / pending / allowed) and expiry.

Options:
  --valid         Only tokens that can still be used
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["valid", "config"]);
    positionals(args, []);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      const tokens = accounts.listTokens(args.flags.get("valid") ? { valid: true } : {});
      const rows = [["TOKEN", "VALID", "COMPLETED", "PENDING", "ALLOWED", "EXPIRES"]];
      for (const t of tokens) {
        rows.push([
          t.token,
          accounts.isValidRecord(t) ? "yes" : "no",
          String(t.completed),
          String(t.pending),
          t.usesAllowed === null ? "unlimited" : String(t.usesAllowed),
          t.expiryTime === null ? "never" : new Date(t.expiryTime).toISOString(),
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows)
        ctx.out(
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      ctx.err(`${tokens.length} token${tokens.length === 1 ? "" : "s"}\n`);
      return 0;
    });
  },
};

const revoke: Command = {
  summary: "Delete a registration token",
  help: `Usage: homeserver token revoke TOKEN [--config PATH]

Deletes TOKEN: it can no longer be used to register. Accounts made with it stay.

Options:
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["config"]);
    const [token] = positionals(args, ["TOKEN"]);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      if (!accounts.revokeToken(token!)) throw new CliError(`no such registration token: ${token}`);
      ctx.out(`Revoked ${token}.\n`);
      return 0;
    });
  },
};

const subcommands = { create, list, revoke };

export const tokenCommand: CommandGroup = {
  summary: "Manage registration tokens: create, list, revoke",
  help: `Usage: homeserver token <subcommand> [options]

Subcommands:
${Object.entries(subcommands)
  .map(([n, c]) => `  ${n.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`homeserver token <subcommand> --help\` for its options.
`,
  subcommands,
};
