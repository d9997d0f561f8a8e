import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "smol-toml";
import { renderConfigExample, renderConfigMarkdown, renderConfigToml } from "../../src/config/example";
import { parseConfigText } from "../../src/config/load";

const root = join(import.meta.dir, "../..");
const example = await Bun.file(join(root, "config.example.toml")).text();

/** Fills in the two required options, which the example leaves empty. */
function filled(text: string): string {
  return text
    .replace(/^server_name = "" # required$/m, 'server_name = "example.org"')
    .replace(/^public_base_url = "" # required$/m, 'public_base_url = "https://matrix.example.org"');
}

describe("config.example.toml", () => {
  test("is what the generator writes from the schema (run scripts/gen-config-example.ts)", () => {
    expect(example).toBe(renderConfigExample());
  });

  test("parses and validates once the required options are filled in", () => {
    const c = parseConfigText(filled(example));
    expect(c.server_name).toBe("example.org");
    expect(c.listen.port).toBe(8008);
  });

  test("uncommenting every option with its default still gives a valid config", () => {
    const uncommented = filled(example).replace(/^# ([a-z_]+ = .*)$/gm, "$1");
    expect(uncommented).not.toBe(filled(example));
    const c = parseConfigText(uncommented);
    expect(c).toEqual(parseConfigText(filled(example)));
  });

  test("documents every option with a comment", () => {
    const lines = example.split("\n");
    lines.forEach((line, i) => {
      if (/^#? ?[a-z_]+ = /.test(line)) expect(lines[i - 1]?.startsWith("#")).toBe(true);
    });
  });
});

describe("renderConfigToml with values (what init writes)", () => {
  test("writes given values uncommented, in their sections", () => {
    const text = renderConfigToml({
      server_name: "pi.example",
      public_base_url: "https://pi.example",
      listen: { host: "0.0.0.0", port: 8448 },
      registration: { mode: "token" },
    });
    const raw = parse(text) as Record<string, Record<string, unknown>>;
    expect(raw.server_name).toBe("pi.example" as never);
    expect(raw.listen).toEqual({ host: "0.0.0.0", port: 8448 });
    expect(raw.registration).toEqual({ mode: "token" });
    expect(parseConfigText(text).registration.mode).toBe("token");
  });

  test("quotes strings safely", () => {
    const text = renderConfigToml({ server_name: "a.example", public_base_url: 'https://a.example/"x' });
    expect((parse(text) as { public_base_url: string }).public_base_url).toBe('https://a.example/"x');
  });
});

describe("README configuration reference", () => {
  test("is the generated one", async () => {
    const readme = await Bun.file(join(root, "README.md")).text();
    expect(readme).toContain(renderConfigMarkdown());
  });

  test("lists every option with its env variable", () => {
    const md = renderConfigMarkdown();
    for (const opt of ["server_name", "listen.port", "tls.mode", "registration.shared_secret", "logging.level"]) {
      expect(md).toContain(`| \`${opt}\` |`);
    }
    expect(md).toContain("`HEARTH_REGISTRATION__SHARED_SECRET`");
  });
});
