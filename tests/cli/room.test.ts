/** `homeserver room list|show|delete|block` against a running server's data directory. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import { initServer, runCli, tempDir } from "./harness";

const dir = tempDir();
let live: Server;
let lounge: string;
let quiet: string;
const alice = "@alice:hs.test";
const bob = "@bob:hs.test";

beforeAll(async () => {
  await initServer(dir.path);
  const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
  live = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
  live.listen("127.0.0.1", 0);
  await live.services.accounts.createUser({ localpart: "bob", password: null, admin: false, displayname: null });
  const rooms = live.services.rooms;
  lounge = rooms.createRoom(alice, { preset: "public_chat", name: "Lounge", room_alias_name: "lounge" }).room_id;
  rooms.membership.join(lounge, bob);
  quiet = rooms.createRoom(alice, { preset: "private_chat", name: "Quiet" }).room_id;
});
afterAll(async () => {
  await live.stop();
  dir.cleanup();
});
const cli = (...argv: string[]) => runCli(argv, { cwd: dir.path });

describe("room commands", () => {
  test("list shows every room with its name, alias and members", async () => {
    const r = await cli("room", "list");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ROOM\s+NAME\s+ALIAS\s+MEMBERS\s+VERSION\s+PUBLIC\s+BLOCKED$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      [lounge, "Lounge", "#lounge:hs.test", "2 (2)", "12", "no", "no"],
      [quiet, "Quiet", "1 (1)", "12", "no", "no"],
    ]);
    expect(r.err).toBe("2 rooms\n");
    const searched = await cli("room", "list", "--search", "quie");
    expect(searched.out).toContain(quiet);
    expect(searched.out).not.toContain(lounge);
    const reversed = await cli("room", "list", "--order-by", "joined_members", "--reverse");
    expect(reversed.out.split("\n")[1]).toStartWith(lounge);
  });

  test("show by alias", async () => {
    const r = await cli("room", "show", "#lounge:hs.test");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`room_id               ${lounge}\n`);
    expect(r.out).toContain("local_aliases         #lounge:hs.test\n");
    expect(r.out).toContain("join_rule             public\n");
    expect(r.out).toContain(`members:\n  ${alice}\n  ${bob}\n`);
  });

  test("block and unblock", async () => {
    expect((await cli("room", "block", quiet)).out).toBe(`${quiet} is now blocked.\n`);
    expect(live.services.roomAdmin.blockStatus(quiet)).toEqual({ block: true });
    expect(() => live.services.rooms.membership.join(quiet, bob)).toThrow("blocked");
    expect((await cli("room", "block", quiet, "--unblock")).out).toBe(`${quiet} is no longer blocked.\n`);
    expect(live.services.roomAdmin.blockStatus(quiet)).toEqual({ block: false });
  });

  test("delete: members leave, the alias goes, history is purged; the running server sees it", async () => {
    const r = await cli("room", "delete", "#lounge:hs.test", "--block");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        `Deleted ${lounge}.`,
        `Members who left: ${alice} ${bob}`,
        "Aliases removed: #lounge:hs.test",
        "The room is blocked.",
        "Its history was purged.",
        "",
      ].join("\n"),
    );
    expect(live.services.rooms.joinedRooms(bob)).not.toContain(lounge);
    expect(() => live.services.rooms.membership.join(lounge, bob)).toThrow();
    expect(() => live.services.rooms.resolveRoom("#lounge:hs.test")).toThrow();
    // The running server goes on creating rooms and events.
    const next = live.services.rooms.createRoom(bob, { name: "Next" }).room_id;
    expect(live.services.rooms.getStateEvent({ userId: bob, deviceId: "D" }, next, "m.room.name", "").content).toEqual({
      name: "Next",
    });
  });

  test("usage and operator errors", async () => {
    const cases: [string[], number, string][] = [
      [["room", "show"], 2, "missing ROOM"],
      [["room", "show", "lounge"], 2, "must be a room ID"],
      [["room", "show", "!nothing:hs.test"], 1, "no such room: !nothing:hs.test"],
      [["room", "list", "--order-by", "colour"], 2, "--order-by takes one of"],
      [["room", "delete", quiet, "--message", "hi"], 2, "need --new-room-user"],
      [["room", "delete", quiet, "--new-room-user", "ghost"], 1, "no such user on this server: ghost"],
      [["room", "frobnicate"], 2, 'unknown subcommand "frobnicate"'],
    ];
    for (const [argv, code, message] of cases) {
      const r = await cli(...argv);
      expect([argv.join(" "), r.code]).toEqual([argv.join(" "), code]);
      expect(r.err).toContain(message);
    }
    expect(live.services.rooms.membershipOf(quiet, alice)).toBe("join");
  });
});
