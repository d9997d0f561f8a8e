/** Events: PDU formats, hashes, event IDs, redaction, signing and verification, client formats. */
export * from "./build";
export * from "./event-id";
export * from "./format";
export * from "./hashes";
export * from "./limits";
export * from "./redaction";
export * from "./signing";
export * from "./types";
export * from "./validate";
export * from "./view";
