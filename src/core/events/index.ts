/** Events: PDU formats, hashes, event IDs, redaction, signing and verification, client formats. */
export * from "./event-id";
export * from "./hashes";
export * from "./redaction";
export * from "./types";
export * from "./view";
