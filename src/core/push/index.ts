/** Push rules: the default ruleset, the user's effective ruleset, and evaluation. */
export * from "./default-rules";
export * from "./evaluate";
export * from "./glob";
export * from "./property-path";
export * from "./ruleset";
export * from "./types";
