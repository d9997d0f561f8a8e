import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfigFile, parseConfig, parseConfigText } from "../../src/config/load";

const base = { server_name: "example.org", public_base_url: "https://matrix.example.org" };

/** The problems listed for `raw`, or [] when it is valid. */
function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

describe("config validation", () => {
  test("a minimal config gets every default", () => {
    const c = parseConfig(base);
    expect(c.listen).toEqual({ host: "127.0.0.1", port: 8008, trusted_proxies: ["127.0.0.1", "::1"] });
    expect(c.registration.mode).toBe("closed");
    expect(c.tls.mode).toBe("reverse-proxy");
    expect(c.data_dir).toBe("./data");
  });

  // Each case: one wrong option, and the one problem it must produce (dotted path first).
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["missing server_name", { server_name: undefined }, /^server_name: required option is missing$/],
    ["server_name with a space", { server_name: "bad name" }, /^server_name: must be a DNS name/],
    ["missing public_base_url", { public_base_url: undefined }, /^public_base_url: required option is missing$/],
    ["public_base_url not http(s)", { public_base_url: "ftp://example.org" }, /^public_base_url: must be an http/],
    ["public_base_url not a URL", { public_base_url: "matrix.example.org" }, /^public_base_url: must be an http/],
    ["data_dir empty", { data_dir: "" }, /^data_dir: /],
    ["listen not a table", { listen: 8008 }, /^listen: .*expected object/],
    ["listen.port too big", { listen: { port: 70000 } }, /^listen\.port: .*65535/],
    ["listen.port negative", { listen: { port: -1 } }, /^listen\.port: .*0/],
    ["listen.port fractional", { listen: { port: 80.5 } }, /^listen\.port: .*expected int\b/],
    ["listen.port a string", { listen: { port: "80" } }, /^listen\.port: .*expected number/],
    ["listen.host empty", { listen: { host: "" } }, /^listen\.host: /],
    ["tls.mode unknown", { tls: { mode: "letsencrypt" } }, /^tls\.mode: .*"acme"\|"files"\|"reverse-proxy"/],
    ["tls.acme_email missing in acme mode", { tls: { mode: "acme" } }, /^tls\.acme_email: an e-mail address/],
    ["tls.acme_directory_url not a URL", { tls: { acme_directory_url: "nope" } }, /^tls\.acme_directory_url: /],
    ["tls.http_port too big", { tls: { http_port: 65536 } }, /^tls\.http_port: /],
    ["well_known.serve not boolean", { well_known: { serve: "yes" } }, /^well_known\.serve: .*expected boolean/],
    [
      "registration.mode unknown",
      { registration: { mode: "invite" } },
      /^registration\.mode: .*"closed"\|"token"\|"open"/,
    ],
    ["registration.shared_secret a number", { registration: { shared_secret: 5 } }, /^registration\.shared_secret: /],
    [
      "registration.min_password_length 0",
      { registration: { min_password_length: 0 } },
      /^registration\.min_password_length: /,
    ],
    [
      "auth.access_token_lifetime_ms too short",
      { auth: { access_token_lifetime_ms: 1000 } },
      /^auth\.access_token_lifetime_ms: .*60000/,
    ],
    ["rate_limits.login_per_minute 0", { rate_limits: { login_per_minute: 0 } }, /^rate_limits\.login_per_minute: /],
    ["limits.max_request_bytes too small", { limits: { max_request_bytes: 10 } }, /^limits\.max_request_bytes: .*1024/],
    ["rooms.default_room_version 13", { rooms: { default_room_version: "13" } }, /^rooms\.default_room_version: /],
    [
      "rooms.default_room_version as a number",
      { rooms: { default_room_version: 12 } },
      /^rooms\.default_room_version: /,
    ],
    ["logging.level unknown", { logging: { level: "trace" } }, /^logging\.level: /],
    ["unknown top-level option", { sever_name: "x" }, /^sever_name: unknown option$/],
    ["unknown option in a section", { listen: { prot: 1 } }, /^listen\.prot: unknown option$/],
  ];
  for (const [name, patch, expected] of cases) {
    test(`${name} is reported by its dotted path`, () => {
      const problems = problemsOf({ ...base, ...patch });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    });
  }

  test("an over-long server_name is refused", () => {
    const problems = problemsOf({ ...base, server_name: "a".repeat(256) });
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^server_name: /);
  });

  test("tls.mode = files needs both certificate paths", () => {
    expect(problemsOf({ ...base, tls: { mode: "files" } })).toEqual([
      "tls.cert_file: required when tls.mode is files",
      "tls.key_file: required when tls.mode is files",
    ]);
    expect(problemsOf({ ...base, tls: { mode: "files", cert_file: "/c.pem", key_file: "/k.pem" } })).toEqual([]);
  });

  test("every problem in a file is listed at once, cross-field ones included", () => {
    const problems = problemsOf({
      server_name: "bad name",
      public_base_url: "https://ok.example",
      listen: { port: 99999 },
      tls: { mode: "files" },
      logging: { colour: true },
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "server_name",
      "listen.port",
      "tls.cert_file",
      "tls.key_file",
      "logging.colour",
    ]);
  });

  test("the error message names the problems for the operator", () => {
    expect(() => parseConfig({ ...base, listen: { port: 99999 } })).toThrow(
      /Invalid configuration:\n {2}- listen\.port: /,
    );
  });
});

describe("config from TOML text", () => {
  test("parses TOML sections", () => {
    const c = parseConfigText(
      'server_name = "example.org"\npublic_base_url = "https://m.example.org"\n[listen]\nport = 8448\n',
    );
    expect(c.listen.port).toBe(8448);
  });

  test("invalid TOML is reported as such, with the position", () => {
    expect(() => parseConfigText('server_name = "x\n')).toThrow(/not valid TOML.*\n1: +server_name/s);
  });
});

describe("environment overrides", () => {
  const toml = 'server_name = "file.example"\npublic_base_url = "https://m.example.org"\n';

  test("HEARTH_SERVER_NAME replaces the file's server_name", () => {
    expect(parseConfigText(toml, { HEARTH_SERVER_NAME: "env.example" }).server_name).toBe("env.example");
  });

  test("SERVER_NAME (Complement) is read too, HEARTH_SERVER_NAME wins over it", () => {
    expect(parseConfigText(toml, { SERVER_NAME: "complement.example" }).server_name).toBe("complement.example");
    expect(parseConfigText(toml, { SERVER_NAME: "a.example", HEARTH_SERVER_NAME: "b.example" }).server_name).toBe(
      "b.example",
    );
  });

  test("HEARTH_<SECTION>__<OPTION> sets a secret in a section", () => {
    const c = parseConfigText(toml, { HEARTH_REGISTRATION__SHARED_SECRET: "s3cret" });
    expect(c.registration.shared_secret).toBe("s3cret");
  });

  test("list options take comma-separated values", () => {
    const c = parseConfigText(toml, { HEARTH_TLS__ACME_DOMAINS: "m.example.org, example.org" });
    expect(c.tls.acme_domains).toEqual(["m.example.org", "example.org"]);
  });

  test("values are converted to the option's type", () => {
    const c = parseConfigText(toml, {
      HEARTH_LISTEN__PORT: "9000",
      HEARTH_RATE_LIMITS__ENABLED: "false",
      HEARTH_WELL_KNOWN__SERVE: "0",
    });
    expect(c.listen.port).toBe(9000);
    expect(c.rate_limits.enabled).toBe(false);
    expect(c.well_known.serve).toBe(false);
  });

  test("a bad value from the environment is reported by the option's dotted path", () => {
    expect(() => parseConfigText(toml, { HEARTH_LISTEN__PORT: "http" })).toThrow(/listen\.port: /);
    expect(() => parseConfigText(toml, { HEARTH_REGISTRATION__MODE: "maybe" })).toThrow(/registration\.mode: /);
  });

  test("HEARTH_ variables that are not options are ignored", () => {
    expect(parseConfigText(toml, { HEARTH_CONFIG: "/etc/x.toml", HEARTH_TEST_BINARY: "/x" }).server_name).toBe(
      "file.example",
    );
  });
});

describe("loadConfigFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a missing file says how to create one", async () => {
    await expect(loadConfigFile(join(dir, "nope.toml"), {})).rejects.toThrow(/homeserver init/);
  });

  test("data_dir is resolved against the config file's directory", async () => {
    const path = join(dir, "hs.toml");
    await Bun.write(path, 'server_name = "a.example"\npublic_base_url = "https://a.example"\ndata_dir = "d"\n');
    const loaded = await loadConfigFile(path, {});
    expect(loaded.dataDir).toBe(join(dir, "d"));
    expect(loaded.path).toBe(path);
  });
});
