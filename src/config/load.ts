import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { type Config, configSchema } from "./schema";

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the data directory (data_dir resolved against the config file's directory). */
  dataDir: string;
  /** Absolute path of the config file, or null when built in memory. */
  path: string | null;
}

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema> };
// Built on first use: converting the schema takes milliseconds that start-up need not pay.
let jsonSchemaCache: JsonSchema | undefined;
const jsonSchema = (): JsonSchema => {
  jsonSchemaCache ??= z.toJSONSchema(configSchema, { io: "input" }) as JsonSchema;
  return jsonSchemaCache;
};

/**
 * Environment overrides: HEARTH_<KEY> for top-level options and HEARTH_<SECTION>__<KEY> for options in
 * a section, e.g. HEARTH_SERVER_NAME, HEARTH_REGISTRATION__SHARED_SECRET. SERVER_NAME is also read
 * (Complement passes it). Values are converted to the option's type.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  if (env.SERVER_NAME && !env.HEARTH_SERVER_NAME) raw.server_name = env.SERVER_NAME;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("HEARTH_") || value === undefined) continue;
    const path = name.slice("HEARTH_".length).toLowerCase().split("__");
    let node: JsonSchema | undefined = jsonSchema();
    for (const seg of path) node = node?.properties?.[seg];
    if (!node) continue; // not an option: leave it to other tools
    let target = raw;
    for (const seg of path.slice(0, -1)) {
      const next = target[seg];
      if (typeof next !== "object" || next === null) target[seg] = {};
      target = target[seg] as Record<string, unknown>;
    }
    const key = path[path.length - 1]!;
    if (node.type === "array")
      target[key] = value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
    else if (node.type === "integer" || node.type === "number") target[key] = Number(value);
    else if (node.type === "boolean")
      target[key] = value === "true" || value === "1" ? true : value === "false" || value === "0" ? false : value;
    else target[key] = value;
  }
}

/** Validates a raw object; lists every problem by dotted path. */
export function parseConfig(raw: unknown): Config {
  const r = configSchema.safeParse(raw, {
    error: (issue) =>
      issue.code === "invalid_type" && issue.input === undefined ? "required option is missing" : undefined,
  });
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      const base = i.path.length ? `${i.path.join(".")}.` : "";
      return `${i.keys.map((k) => base + k).join(", ")}: unknown option`;
    }
    return `${i.path.join(".") || "(root)"}: ${i.message}`;
  });
  throw new ConfigError("Invalid configuration:", problems);
}

export function parseConfigText(text: string, env: Record<string, string | undefined> = {}): Config {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`The config file is not valid TOML: ${(e as Error).message}`);
  }
  applyEnvOverrides(raw, env);
  return parseConfig(raw);
}

export async function loadConfigFile(path: string, env: Record<string, string | undefined>): Promise<LoadedConfig> {
  const abs = resolve(path);
  const file = Bun.file(abs);
  if (!(await file.exists())) {
    throw new ConfigError(`No config file at ${abs}. Create one with \`homeserver init\`, or pass --config PATH.`);
  }
  const config = parseConfigText(await file.text(), env);
  const dataDir = isAbsolute(config.data_dir) ? config.data_dir : resolve(dirname(abs), config.data_dir);
  return { config, dataDir, path: abs };
}
