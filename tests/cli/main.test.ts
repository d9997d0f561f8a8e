import { afterAll, describe, expect, test } from "bun:test";
import { runCli, tempDir } from "./harness";

const dir = tempDir();
afterAll(() => dir.cleanup());
const cli = (...argv: string[]) => runCli(argv, { cwd: dir.path });

const COMMANDS = ["init", "run", "backup", "hash-password", "version"];
const GROUPS: Record<string, string[]> = {
  user: ["add", "list", "passwd", "deactivate", "make-admin"],
  token: ["create", "list", "revoke"],
};

describe("homeserver (no command)", () => {
  test("without a command: the command list on stderr, exit 2", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: homeserver <command>");
    for (const c of [...COMMANDS, ...Object.keys(GROUPS)]) expect(r.err).toContain(`  ${c} `);
  });

  test("--help: the command list on stdout, exit 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Commands:");
  });

  test("an unknown command is a usage error", async () => {
    const r = await cli("serve");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "serve"');
  });

  test("a name inherited from Object is not a command", async () => {
    expect((await cli("constructor")).code).toBe(2);
    expect((await cli("user", "toString")).code).toBe(2);
  });
});

describe("--help on every command and subcommand", () => {
  for (const c of COMMANDS) {
    test(`homeserver ${c} --help`, async () => {
      const r = await cli(c, "--help");
      expect(r.code).toBe(0);
      expect(r.out).toStartWith(`Usage: homeserver ${c}`);
      expect((await cli(c, "-h")).out).toBe(r.out);
    });
  }
  for (const [group, subs] of Object.entries(GROUPS)) {
    test(`homeserver ${group} --help lists its subcommands`, async () => {
      const r = await cli(group, "--help");
      expect(r.code).toBe(0);
      for (const s of subs) expect(r.out).toContain(`  ${s} `);
      const bare = await cli(group);
      expect(bare.code).toBe(2);
      expect(bare.err).toBe(r.out);
    });
    for (const s of subs) {
      test(`homeserver ${group} ${s} --help`, async () => {
        const r = await cli(group, s, "--help");
        expect(r.code).toBe(0);
        expect(r.out).toStartWith(`Usage: homeserver ${group} ${s}`);
      });
    }
    test(`homeserver ${group} with an unknown subcommand is a usage error`, async () => {
      const r = await cli(group, "frobnicate");
      expect(r.code).toBe(2);
      expect(r.err).toContain('unknown subcommand "frobnicate"');
    });
  }
});

describe("usage errors exit 2 and say what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [["run", "--port", "80"], /unknown option --port/],
    [["run", "extra"], /unexpected argument "extra"/],
    [["run", "--config"], /--config needs a value/],
    [["version", "--force=1"], /--force takes no value|unknown option --force/],
    [["backup"], /missing FILE/],
    [["user", "add"], /missing NAME/],
    [["user", "passwd", "a", "b"], /unexpected argument "b"/],
    [["token", "create", "--uses", "many"], /--uses takes a positive whole number/],
    [["token", "create", "--uses", "0"], /--uses takes a positive whole number/],
    [["token", "create", "--token", "x", "--length", "5"], /--token or --length/],
    [["token", "revoke"], /missing TOKEN/],
    [["hash-password", "hunter2"], /never taken from the command line/],
    [["hash-password"], /not a terminal.*--password-file/],
  ];
  for (const [argv, message] of cases) {
    test(argv.join(" "), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toContain(`Run \`homeserver ${argv[0]}`);
    });
  }
});

describe("operational errors exit 1 with one clear line", () => {
  test("a command that needs the config says how to create it", async () => {
    const r = await cli("user", "list");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^homeserver user list: No config file at .*homeserver\.toml\. Create one with `homeserver init`/,
    );
  });

  test("an invalid config lists its problems", async () => {
    await Bun.write(`${dir.path}/bad.toml`, 'server_name = "x y"\n[listen]\nport = 99999\n');
    const r = await cli("run", "--config", "bad.toml");
    expect(r.code).toBe(1);
    expect(r.err).toContain("server_name: must be a DNS name");
    expect(r.err).toContain("public_base_url: required option is missing");
    expect(r.err).toContain("listen.port: ");
  });

  test("HEARTH_CONFIG names the config file", async () => {
    const r = await runCli(["run"], { cwd: dir.path, env: { HEARTH_CONFIG: "bad.toml" } });
    expect(r.err).toContain("server_name: must be a DNS name");
  });
});

describe("version and hash-password", () => {
  test("version prints the version and commit", async () => {
    const r = await cli("version");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hearth \d+\.\d+\.\d+\S* \(commit \S+\)\n$/);
    expect((await cli("--version")).out).toBe(r.out);
  });

  test("hash-password prints an argon2id hash that verifies", async () => {
    const r = await runCli(["hash-password", "--password-file", "-"], { cwd: dir.path, stdin: "s3cret pass\n" });
    expect(r.code).toBe(0);
    const hash = r.out.trim();
    expect(hash).toStartWith("$argon2id$");
    expect(await Bun.password.verify("s3cret pass", hash)).toBe(true);
  });

  test("hash-password asks twice at a terminal and re-asks when the two differ", async () => {
    const r = await runCli(["hash-password"], { cwd: dir.path, answers: ["one", "two", "pw", "pw"] });
    expect(r.code).toBe(0);
    expect(r.questions).toEqual(["Password: ", "Password (again): ", "Password: ", "Password (again): "]);
    expect(r.out).toContain("do not match");
    expect(await Bun.password.verify("pw", r.out.trim().split("\n").pop()!)).toBe(true);
  });

  test("an empty password file is refused", async () => {
    await Bun.write(`${dir.path}/empty`, "\n");
    const r = await cli("hash-password", "--password-file", "empty");
    expect(r.code).toBe(1);
    expect(r.err).toContain("is empty");
  });

  test("a missing password file is refused", async () => {
    const r = await cli("hash-password", "--password-file", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toContain("password file not found: nope");
  });
});
