/** SHA-256 through node:crypto (native, synchronous). */
import { createHash } from "node:crypto";

export function sha256(data: Uint8Array | string): Uint8Array {
  const h = createHash("sha256").update(data).digest();
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
}
