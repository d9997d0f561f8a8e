/** `homeserver user add|list|passwd|deactivate|make-admin`: accounts from the command line. */
import type { AccountsService, UserInfo } from "../services/accounts/accounts-service";
import { splitUserId } from "../services/accounts/localpart";
import { flagString, positionals, rejectUnknownFlags } from "./args";
import { CliError, type Command, type CommandGroup } from "./command";
import { CONFIG_FLAG_HELP, withServer } from "./open-server";
import { newPassword } from "./password-input";

/** A localpart or full user ID, as a user ID on this server. */
function userIdOf(accounts: AccountsService, input: string): string {
  const userId = accounts.resolveUser(input);
  if (userId === null) throw new CliError(`${input} is not a user on ${accounts.serverName}`);
  return userId;
}

function mustExist(accounts: AccountsService, input: string): UserInfo {
  const userId = userIdOf(accounts, input);
  const user = accounts.getUser(userId);
  if (!user) throw new CliError(`no such user: ${userId}`);
  return user;
}

const passwordCheck = (accounts: AccountsService) => (p: string) => {
  try {
    accounts.checkPasswordStrength(p);
    return null;
  } catch (e) {
    return e instanceof Error ? `${e.message}.` : String(e);
  }
};

const add: Command = {
  summary: "Create an account",
  help: `Usage: homeserver user add NAME [--admin] [--password-file FILE] [--display-name TEXT] [--config PATH]

Creates the account @NAME:<server_name>. The password is asked for twice without echo, or read from
FILE. Works while the server runs.

Options:
  --admin                Make the account a server admin
  --password-file FILE   Read the password from FILE (its first line); - reads standard input
  --display-name TEXT    Initial display name
${CONFIG_FLAG_HELP}`,
  valueFlags: ["password-file", "display-name", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["admin", "password-file", "display-name", "config"]);
    const [name] = positionals(args, ["NAME"]);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      let localpart = name!;
      if (name!.startsWith("@")) {
        const parts = splitUserId(name!);
        if (!parts || parts.serverName !== accounts.serverName) {
          throw new CliError(`${name} is not a user ID on ${accounts.serverName}`);
        }
        localpart = parts.localpart;
      }
      accounts.checkLocalpartAvailable(localpart); // before asking for a password
      const password = await newPassword(flagString(args, "password-file"), ctx, {
        flag: "password-file",
        check: passwordCheck(accounts),
      });
      const user = await accounts.createUser({
        localpart,
        password,
        admin: args.flags.get("admin") === true,
        displayname: flagString(args, "display-name") ?? null,
      });
      ctx.out(`Created ${user.userId}${user.isAdmin ? " (admin)" : ""}.\n`);
      return 0;
    });
  },
};

const list: Command = {
  summary: "List accounts",
  help: `Usage: homeserver user list [--deactivated] [--admins] [--config PATH]

Lists accounts: user ID, admin, guest, deactivated, creation date.

Options:
  --deactivated   Include deactivated accounts
  --admins        Only admins
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["deactivated", "admins", "config"]);
    positionals(args, []);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      const rows: string[][] = [["USER", "ADMIN", "GUEST", "DEACTIVATED", "CREATED"]];
      for (let from: number | null = 0; from !== null; ) {
        const page = accounts.listUsers({
          from,
          limit: 1000,
          deactivated: args.flags.get("deactivated") === true,
          ...(args.flags.get("admins") ? { admins: true } : {}),
        });
        for (const u of page.users) {
          rows.push([
            u.userId,
            u.isAdmin ? "yes" : "no",
            u.isGuest ? "yes" : "no",
            u.deactivated ? "yes" : "no",
            new Date(u.createdAt).toISOString().slice(0, 10),
          ]);
        }
        from = page.nextFrom;
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows)
        ctx.out(
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      ctx.err(`${rows.length - 1} account${rows.length === 2 ? "" : "s"}\n`);
      return 0;
    });
  },
};

const passwd: Command = {
  summary: "Set an account's password",
  help: `Usage: homeserver user passwd NAME [--password-file FILE] [--keep-sessions] [--config PATH]

Sets a new password for NAME (a localpart or a full user ID) and, unless --keep-sessions is given,
logs out every device of the account.

Options:
  --password-file FILE   Read the password from FILE (its first line); - reads standard input
  --keep-sessions        Do not log out the account's devices
${CONFIG_FLAG_HELP}`,
  valueFlags: ["password-file", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["password-file", "keep-sessions", "config"]);
    const [name] = positionals(args, ["NAME"]);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      const user = mustExist(accounts, name!);
      if (user.deactivated) throw new CliError(`${user.userId} is deactivated`);
      const password = await newPassword(flagString(args, "password-file"), ctx, {
        flag: "password-file",
        check: passwordCheck(accounts),
      });
      const keep = args.flags.get("keep-sessions") === true;
      await accounts.setPassword(user.userId, password, { logoutDevices: !keep });
      ctx.out(`Password of ${user.userId} changed${keep ? "" : "; its devices were logged out"}.\n`);
      return 0;
    });
  },
};

const deactivate: Command = {
  summary: "Deactivate an account (it can no longer log in)",
  help: `Usage: homeserver user deactivate NAME [--config PATH]

Deactivates NAME: removes its password, devices and access tokens. The user ID stays reserved and the
account can never log in again.

Options:
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["config"]);
    const [name] = positionals(args, ["NAME"]);
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      const user = mustExist(accounts, name!);
      if (user.deactivated) throw new CliError(`${user.userId} is already deactivated`);
      accounts.deactivate(user.userId);
      ctx.out(`Deactivated ${user.userId}.\n`);
      return 0;
    });
  },
};

const makeAdmin: Command = {
  summary: "Make an account a server admin (or --revoke)",
  help: `Usage: homeserver user make-admin NAME [--revoke] [--config PATH]

Gives NAME server-admin rights (the Synapse-compatible admin API), or takes them away with --revoke.

Options:
  --revoke        Remove admin rights instead
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["revoke", "config"]);
    const [name] = positionals(args, ["NAME"]);
    const admin = args.flags.get("revoke") !== true;
    return withServer(args, ctx, async ({ services: { accounts } }) => {
      const user = mustExist(accounts, name!);
      if (user.deactivated) throw new CliError(`${user.userId} is deactivated`);
      accounts.setAdmin(user.userId, admin);
      ctx.out(`${user.userId} is ${admin ? "now" : "no longer"} an admin.\n`);
      return 0;
    });
  },
};

const subcommands = { add, list, passwd, deactivate, "make-admin": makeAdmin };

export const userCommand: CommandGroup = {
  summary: "Manage accounts: add, list, passwd, deactivate, make-admin",
  help: `Usage: homeserver user <subcommand> [options]

Subcommands:
${Object.entries(subcommands)
  .map(([n, c]) => `  ${n.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`homeserver user <subcommand> --help\` for its options.
`,
  subcommands,
};
