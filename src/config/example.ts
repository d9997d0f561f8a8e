/**
 * Renders a commented TOML config from the schema's descriptions and defaults. Used for
 * config.example.toml (scripts/gen-config-example.ts) and by `homeserver init` with the wizard's answers.
 */
import { stringify } from "smol-toml";
import { z } from "zod";
import { configSchema } from "./schema";

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, Node>;
}

const root = z.toJSONSchema(configSchema, { io: "input" }) as Node;

function tomlValue(v: unknown): string {
  // smol-toml renders a table; take the value part of `x = value`.
  return stringify({ x: v }).replace(/^x = /, "").trim();
}

function comment(text: string | undefined, indent = ""): string {
  if (!text) return "";
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + w.length + 1 > 96) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${indent}# ${l}\n`).join("");
}

function renderField(key: string, node: Node, value: unknown): string {
  let out = comment(node.description);
  if (node.enum) out += `# One of: ${node.enum.map((e) => JSON.stringify(e)).join(", ")}.\n`;
  if (value !== undefined) out += `${key} = ${tomlValue(value)}\n`;
  else if (node.default !== undefined) out += `# ${key} = ${tomlValue(node.default)}\n`;
  else out += `${key} = "" # required\n`;
  return out;
}

/**
 * `values` holds the options to write uncommented (nested by section); options not given are written
 * commented out with their default, so the file documents every option.
 */
export function renderConfigToml(values: Record<string, unknown> = {}, header = ""): string {
  const props = root.properties ?? {};
  let top = header;
  let sections = "";
  for (const [key, node] of Object.entries(props)) {
    if (node.type === "object" && node.properties) {
      const given = (values[key] ?? {}) as Record<string, unknown>;
      sections += `\n${comment(node.description)}[${key}]\n`;
      for (const [k, n] of Object.entries(node.properties)) sections += `${renderField(k, n, given[k])}\n`;
    } else {
      top += `${renderField(key, node, values[key])}\n`;
    }
  }
  return `${top}${sections}`.replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
