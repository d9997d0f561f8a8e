/** `homeserver media purge`: frees disk by dropping cached remote media and, on request, old local media. */
import { flagString, positionals, rejectUnknownFlags, UsageError } from "./args";
import type { Command, CommandGroup } from "./command";
import { CONFIG_FLAG_HELP, withServer } from "./open-server";

/** A date (YYYY-MM-DD, or a full ISO 8601 time) or an age like 30d / 12h, as a timestamp in ms. */
export function parseBefore(text: string, now: number): number {
  const age = /^(\d+)([dhm])$/.exec(text);
  if (age) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as "d" | "h" | "m"];
    return now - Number(age[1]) * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const ts = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
    if (Number.isFinite(ts)) return ts;
  }
  throw new UsageError(
    `--before takes a date (2026-01-31), a time (2026-01-31T12:00:00Z) or an age (30d, 12h), not "${text}"`,
  );
}

const purge: Command = {
  summary: "Delete cached remote media (and, with --local, old local media) from before a date",
  help: `Usage: homeserver media purge --before DATE [--local] [--larger-than BYTES] [--config PATH]

Deletes media files to free disk space:
  - always: copies of other servers' media not used since DATE (they are fetched again when asked for);
  - with --local: media uploaded by this server's users before DATE (gone for good: rooms and
    profiles that point at it show a broken image). Quarantined media is kept.
Files shared by several media IDs are deleted only when nothing uses them any more.
Safe to run while the server runs.

Options:
  --before DATE        A date (2026-01-31), a time (2026-01-31T12:00:00Z) or an age (30d, 12h, 90m)
  --local              Also delete local media uploaded before DATE
  --larger-than BYTES  With --local: only local media larger than BYTES
${CONFIG_FLAG_HELP}`,
  valueFlags: ["before", "larger-than", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["before", "local", "larger-than", "config"]);
    positionals(args, []);
    const beforeText = flagString(args, "before");
    if (!beforeText) throw new UsageError("--before is required");
    const before = parseBefore(beforeText, Date.now());
    const sizeText = flagString(args, "larger-than");
    if (sizeText !== undefined && !args.flags.get("local")) throw new UsageError("--larger-than goes with --local");
    if (sizeText !== undefined && !/^\d+$/.test(sizeText))
      throw new UsageError("--larger-than takes a number of bytes");
    const sizeGt = sizeText === undefined ? 0 : Number(sizeText);
    return withServer(args, ctx, async ({ services }) => {
      const remote = await services.media.admin.purgeRemoteBefore(before);
      ctx.out(
        `Deleted ${remote} cached remote media item${remote === 1 ? "" : "s"} not used since ${new Date(before).toISOString()}.\n`,
      );
      if (args.flags.get("local")) {
        const local = await services.media.admin.deleteLocalBefore(before, sizeGt);
        ctx.out(
          `Deleted ${local.length} local media item${local.length === 1 ? "" : "s"} uploaded before ${new Date(before).toISOString()}.\n`,
        );
      }
      return 0;
    });
  },
};

const subcommands: Record<string, Command> = { purge };

export const mediaCommand: CommandGroup = {
  summary: "Manage media: purge old files",
  help: `Usage: homeserver media <subcommand> [options]

Subcommands:
${Object.entries(subcommands)
  .map(([n, c]) => `  ${n.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`homeserver media <subcommand> --help\` for its options.
`,
  subcommands,
};
