/** Build identity. scripts/build.ts replaces these with --define at compile time. */
declare const HEARTH_VERSION: string | undefined;
declare const HEARTH_COMMIT: string | undefined;

export const BUILD = {
  version: typeof HEARTH_VERSION === "string" ? HEARTH_VERSION : "0.1.0-dev",
  commit: typeof HEARTH_COMMIT === "string" ? HEARTH_COMMIT : "unknown",
};
