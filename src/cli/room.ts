/** `homeserver room list|show|delete|block`: room administration from the command line. */
import { MatrixError } from "../core/errors";
import type { Services } from "../services";
import type { RoomListOrder } from "../services/directory/room-admin";
import { ROOM_LIST_ORDERS } from "../storage/repos/room-summaries";
import { flagString, positionals, rejectUnknownFlags, UsageError } from "./args";
import { CliError, type Command, type CommandGroup } from "./command";
import { CONFIG_FLAG_HELP, withServer } from "./open-server";

/** A room ID or local alias as a room's details; a missing room is an operator error. */
function roomOf(services: Services, input: string) {
  if (!input.startsWith("!") && !input.startsWith("#")) {
    throw new UsageError(`ROOM must be a room ID (!...) or a room alias (#...), not "${input}"`);
  }
  try {
    return services.roomAdmin.details(input);
  } catch (e) {
    if (e instanceof MatrixError && e.status === 404) throw new CliError(`no such room: ${input}`);
    throw e;
  }
}

function table(rows: string[][], out: (t: string) => void): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) {
    out(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}

const list: Command = {
  summary: "List rooms",
  help: `Usage: homeserver room list [--search TEXT] [--order-by FIELD] [--reverse] [--config PATH]

Lists the rooms this server knows: room ID, name, canonical alias, joined members (local ones in
brackets), room version, and whether the room is published or blocked.

Options:
  --search TEXT     Only rooms whose name or canonical alias contains TEXT, or whose ID is TEXT
  --order-by FIELD  Sort by name (the default), canonical_alias, joined_members,
                    joined_local_members, version, creator, encryption, federatable, public,
                    join_rules, guest_access, history_visibility, state_events or room_id
  --reverse         Reverse the order
${CONFIG_FLAG_HELP}`,
  valueFlags: ["search", "order-by", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["search", "order-by", "reverse", "config"]);
    positionals(args, []);
    const orderBy = flagString(args, "order-by") ?? "name";
    if (!(ROOM_LIST_ORDERS as readonly string[]).includes(orderBy)) {
      throw new UsageError(`--order-by takes one of ${ROOM_LIST_ORDERS.join(", ")}, not "${orderBy}"`);
    }
    const search = flagString(args, "search");
    return withServer(args, ctx, async ({ services }) => {
      const rows: string[][] = [["ROOM", "NAME", "ALIAS", "MEMBERS", "VERSION", "PUBLIC", "BLOCKED"]];
      let total = 0;
      for (let from = 0; ; ) {
        const page = services.roomAdmin.list({
          from,
          limit: 500,
          orderBy: orderBy as RoomListOrder,
          dir: args.flags.get("reverse") ? "b" : "f",
          ...(search !== undefined ? { search } : {}),
        });
        total = page.total;
        for (const r of page.rooms) {
          const s = r.summary;
          rows.push([
            r.roomId,
            s?.name ?? "",
            s?.canonicalAlias ?? "",
            s ? `${s.joinedMembers} (${s.joinedLocalMembers})` : "0",
            r.roomVersion,
            r.isPublic ? "yes" : "no",
            r.isBlocked ? "yes" : "no",
          ]);
        }
        from += page.rooms.length;
        if (page.rooms.length === 0 || from >= page.total) break;
      }
      table(rows, ctx.out);
      ctx.err(`${total} room${total === 1 ? "" : "s"}\n`);
      return 0;
    });
  },
};

const show: Command = {
  summary: "Show a room's details and members",
  help: `Usage: homeserver room show ROOM [--config PATH]

Shows the details of ROOM (a room ID or a local alias) and its joined members.

Options:
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["config"]);
    const [input] = positionals(args, ["ROOM"]);
    return withServer(args, ctx, async ({ services }) => {
      const d = roomOf(services, input!);
      const s = d.summary;
      const lines: [string, string][] = [
        ["room_id", d.roomId],
        ["version", d.roomVersion],
        ["name", s?.name ?? ""],
        ["topic", s?.topic ?? ""],
        ["canonical_alias", s?.canonicalAlias ?? ""],
        ["local_aliases", s ? services.directory.localAliases({ userId: "", isAdmin: true }, d.roomId).join(" ") : ""],
        ["creator", s?.creator ?? ""],
        ["room_type", s?.roomType ?? ""],
        ["join_rule", s?.joinRule ?? ""],
        ["history_visibility", s?.historyVisibility ?? ""],
        ["guest_access", s?.guestAccess ?? ""],
        ["encryption", s?.encryption ?? ""],
        ["joined_members", String(s?.joinedMembers ?? 0)],
        ["joined_local_members", String(s?.joinedLocalMembers ?? 0)],
        ["state_events", String(s?.stateEvents ?? 0)],
        ["public", d.isPublic ? "yes" : "no"],
        ["blocked", d.isBlocked ? "yes" : "no"],
      ];
      const width = Math.max(...lines.map(([k]) => k.length));
      for (const [k, v] of lines) ctx.out(`${k.padEnd(width)}  ${v}\n`.replace(/ +\n$/, "\n"));
      const members = services.roomAdmin.members(d.roomId);
      ctx.out(`members${members.length === 0 ? "" : ":"}\n`);
      for (const m of members) ctx.out(`  ${m}\n`);
      return 0;
    });
  },
};

const del: Command = {
  summary: "Delete a room: local members leave, its history is purged",
  help: `Usage: homeserver room delete ROOM [--block] [--keep-history] [--new-room-user USER [--room-name TEXT] [--message TEXT]] [--config PATH]

Deletes ROOM (a room ID or a local alias): every local member leaves it, its local aliases are
removed, it leaves the room directory, and its events and state are deleted from the database.
Users on other servers are not affected.

Options:
  --block               Also block the room: nobody on this server can join it again
  --keep-history        Keep the room's events and state (members still leave)
  --new-room-user USER  A local user who creates a new room; the members who left join it and read
                        the message there; the aliases move to it
  --room-name TEXT      Name of that new room (default "Content Violation Notification")
  --message TEXT        First message in that new room
${CONFIG_FLAG_HELP}`,
  valueFlags: ["new-room-user", "room-name", "message", "config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["block", "keep-history", "new-room-user", "room-name", "message", "config"]);
    const [input] = positionals(args, ["ROOM"]);
    const newRoomUser = flagString(args, "new-room-user");
    if (newRoomUser === undefined && (args.flags.has("room-name") || args.flags.has("message"))) {
      throw new UsageError("--room-name and --message need --new-room-user");
    }
    return withServer(args, ctx, async ({ services }) => {
      const d = roomOf(services, input!);
      let newRoomUserId: string | undefined;
      if (newRoomUser !== undefined) {
        const id = services.accounts.resolveUser(newRoomUser);
        if (id === null || services.accounts.getUser(id)?.deactivated !== false) {
          throw new CliError(`no such user on this server: ${newRoomUser}`);
        }
        newRoomUserId = id;
      }
      const roomName = flagString(args, "room-name");
      const message = flagString(args, "message");
      const result = services.roomAdmin.deleteRoom("", d.roomId, {
        block: args.flags.get("block") === true,
        purge: args.flags.get("keep-history") !== true,
        ...(newRoomUserId !== undefined ? { newRoomUserId } : {}),
        ...(roomName !== undefined ? { roomName } : {}),
        ...(message !== undefined ? { message } : {}),
      });
      ctx.out(`Deleted ${d.roomId}.\n`);
      ctx.out(`Members who left: ${result.kicked_users.length ? result.kicked_users.join(" ") : "none"}\n`);
      if (result.failed_to_kick_users.length) {
        ctx.out(`Could not make leave: ${result.failed_to_kick_users.join(" ")}\n`);
      }
      if (result.local_aliases.length) {
        ctx.out(
          `Aliases ${result.new_room_id ? `moved to ${result.new_room_id}` : "removed"}: ${result.local_aliases.join(" ")}\n`,
        );
      }
      if (result.new_room_id) ctx.out(`New room: ${result.new_room_id}\n`);
      if (args.flags.get("block")) ctx.out("The room is blocked.\n");
      if (args.flags.get("keep-history") !== true) ctx.out("Its history was purged.\n");
      return result.failed_to_kick_users.length ? 1 : 0;
    });
  },
};

const block: Command = {
  summary: "Block a room (or --unblock): nobody on this server can join it",
  help: `Usage: homeserver room block ROOM [--unblock] [--config PATH]

Blocks ROOM (a room ID or a local alias): nobody on this server can join it or publish it in the
room directory. Members already in it stay. --unblock lifts the block.

Options:
  --unblock       Lift the block instead
${CONFIG_FLAG_HELP}`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["unblock", "config"]);
    const [input] = positionals(args, ["ROOM"]);
    const blocked = args.flags.get("unblock") !== true;
    return withServer(args, ctx, async ({ services }) => {
      const d = roomOf(services, input!);
      services.roomAdmin.setBlocked("", d.roomId, blocked);
      ctx.out(`${d.roomId} is ${blocked ? "now" : "no longer"} blocked.\n`);
      return 0;
    });
  },
};

const subcommands = { list, show, delete: del, block };

export const roomCommand: CommandGroup = {
  summary: "Manage rooms: list, show, delete, block",
  help: `Usage: homeserver room <subcommand> [options]

Subcommands:
${Object.entries(subcommands)
  .map(([n, c]) => `  ${n.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`homeserver room <subcommand> --help\` for its options.
`,
  subcommands,
};
