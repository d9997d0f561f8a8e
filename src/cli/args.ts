/** A small argument parser: `--flag`, `--key value`, `--key=value`, and positionals. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `valueFlags` lists the options that take a value; anything else starting with -- is boolean. */
export function parseArgs(argv: string[], valueFlags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq === -1 ? undefined : eq);
    if (valueFlags.includes(name)) {
      const value = eq === -1 ? argv[++i] : a.slice(eq + 1);
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    }
  }
  return { positionals, flags };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

export function rejectUnknownFlags(args: ParsedArgs, known: readonly string[]): void {
  for (const k of args.flags.keys()) {
    if (k !== "help" && !known.includes(k)) throw new UsageError(`unknown option --${k}`);
  }
}

/** Returns exactly `names.length` positionals, or throws a usage error naming what is missing or extra. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(args.positionals.length).join(" ")}`);
  }
  if (args.positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${args.positionals[names.length]}"`);
  }
  return args.positionals;
}
