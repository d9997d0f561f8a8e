/**
 * Renders the configuration documentation from the schema's descriptions and defaults:
 * - renderConfigToml: a commented TOML file (config.example.toml, and `homeserver init` with the answers);
 * - renderConfigMarkdown: the README's configuration reference.
 * Both are written by scripts/gen-config-example.ts, which CI runs with --check so they never rot.
 */
import { stringify } from "smol-toml";
import { z } from "zod";
import { configSchema } from "./schema";

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Node>;
  required?: string[];
}

// Built on first use (the conversion costs milliseconds at start-up otherwise).
let rootCache: Node | undefined;
const schemaRoot = (): Node => {
  rootCache ??= z.toJSONSchema(configSchema, { io: "input" }) as Node;
  return rootCache;
};

const isSection = (node: Node): node is Node & { properties: Record<string, Node> } =>
  node.type === "object" && node.properties !== undefined;

function tomlValue(v: unknown): string {
  // smol-toml renders a table; take the value part of `x = value`.
  return stringify({ x: v }).replace(/^x = /, "").trim();
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + w.length + 1 > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

function comment(text: string | undefined): string {
  if (!text) return "";
  return wrap(text, 96)
    .map((l) => `# ${l}\n`)
    .join("");
}

function renderField(key: string, node: Node, value: unknown, required: boolean): string {
  let out = comment(node.description);
  if (node.enum) out += `# One of: ${node.enum.map((e) => JSON.stringify(e)).join(", ")}.\n`;
  if (value !== undefined) out += `${key} = ${tomlValue(value)}\n`;
  else if (node.default !== undefined) out += `# ${key} = ${tomlValue(node.default)}\n`;
  else if (required) out += `${key} = "" # required\n`;
  else out += `# ${key} =\n`;
  return out;
}

function renderTable(node: Node, values: Record<string, unknown>, path: string[]): { fields: string; tables: string } {
  let fields = "";
  let tables = "";
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (isSection(child)) {
      const given = (values[key] ?? {}) as Record<string, unknown>;
      const inner = renderTable(child, given, [...path, key]);
      tables += `\n${comment(child.description)}[${[...path, key].join(".")}]\n${inner.fields}${inner.tables}`;
    } else {
      fields += `${renderField(key, child, values[key], node.required?.includes(key) ?? false)}\n`;
    }
  }
  return { fields, tables };
}

/**
 * `values` holds the options to write uncommented (nested by section); options not given are written
 * commented out with their default, so the file documents every option.
 */
export function renderConfigToml(values: Record<string, unknown> = {}, header = ""): string {
  const { fields, tables } = renderTable(schemaRoot(), values, []);
  return `${header}${fields}${tables}`.replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

const EXAMPLE_HEADER = `# Hearth homeserver configuration: every option, with its description and default.
# Generated from src/config/schema.ts by scripts/gen-config-example.ts; do not edit by hand.
# \`homeserver init\` writes a homeserver.toml like this one with your answers filled in.
# Options left commented out take the default shown.

`;

/** The text of config.example.toml. */
export function renderConfigExample(): string {
  return renderConfigToml({}, EXAMPLE_HEADER);
}

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((e) => `\`${JSON.stringify(e)}\``).join(" \\| ");
  if (node.type === "integer") {
    const range =
      node.minimum !== undefined && node.maximum !== undefined
        ? ` ${node.minimum}–${node.maximum}`
        : node.minimum !== undefined
          ? ` ≥ ${node.minimum}`
          : "";
    return `integer${range}`;
  }
  return node.type ?? "any";
}

function envName(path: string[]): string {
  return `HEARTH_${path.map((p) => p.toUpperCase()).join("__")}`;
}

function markdownRows(node: Node, path: string[]): string {
  let out = "";
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (isSection(child)) continue;
    const full = [...path, key];
    const def = child.default !== undefined ? `\`${tomlValue(child.default).replace(/\|/g, "\\|")}\`` : "**required**";
    const desc = (child.description ?? "").replace(/\|/g, "\\|");
    out += `| \`${full.join(".")}\` | ${typeOf(child)} | ${def} | ${desc} Env: \`${envName(full)}\`. |\n`;
  }
  return out;
}

function markdownSections(node: Node, path: string[]): string {
  let out = "";
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!isSection(child)) continue;
    const full = [...path, key];
    out += `\n### \`[${full.join(".")}]\`\n\n${child.description ?? ""}\n\n`;
    out += "| option | type | default | description |\n| --- | --- | --- | --- |\n";
    out += markdownRows(child, full);
    out += markdownSections(child, full);
  }
  return out;
}

/** The README's configuration reference: one table per section, every option with type, default and env name. */
export function renderConfigMarkdown(): string {
  let out =
    "Every option, generated from the schema (`src/config/schema.ts`) by `bun run scripts/gen-config-example.ts`.\n" +
    "Options can also be set from the environment: `HEARTH_<OPTION>` for top-level options and\n" +
    "`HEARTH_<SECTION>__<OPTION>` inside a section (the environment wins over the file); `SERVER_NAME` is read too.\n\n";
  out += "### Top level\n\n| option | type | default | description |\n| --- | --- | --- | --- |\n";
  out += markdownRows(schemaRoot(), []);
  out += markdownSections(schemaRoot(), []);
  return out.trimEnd() + "\n";
}
