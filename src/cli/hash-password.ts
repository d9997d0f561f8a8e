import { argon2idHasher } from "../services/accounts/passwords";
import { flagString, rejectUnknownFlags, UsageError } from "./args";
import type { Command } from "./command";
import { newPassword } from "./password-input";

export const hashPasswordCommand: Command = {
  summary: "Print the argon2id hash of a password",
  help: `Usage: homeserver hash-password [--password-file FILE]

Prints the argon2id hash of a password, in the PHC string format the database stores
(users.password_hash). The password is asked for twice without echo, or read from a file.

Options:
  --password-file FILE   Read the password from FILE (its first line); - reads standard input
`,
  valueFlags: ["password-file"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["password-file"]);
    if (args.positionals.length) throw new UsageError("passwords are never taken from the command line");
    const password = await newPassword(flagString(args, "password-file"), ctx, {
      flag: "password-file",
      check: (p) => (p.length === 0 ? "The password must not be empty." : null),
    });
    ctx.out(`${await argon2idHasher().hash(password)}\n`);
    return 0;
  },
};
