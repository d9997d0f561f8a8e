/**
 * Device IDs. The spec gives them no grammar (they are opaque and clients may choose them), so we
 * accept 1 to 255 bytes of well-formed text without control characters, which keeps them safe to log
 * and to use as key IDs (`ed25519:<device_id>`).
 */
import type { Brand } from "./brand";
import { isWellFormedText, MAX_ID_BYTES, utf8Length } from "./text";

export type DeviceId = Brand<string, "DeviceId">;

const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseDeviceId(s: string): DeviceId | null {
  if (s.length === 0 || utf8Length(s) > MAX_ID_BYTES || CONTROL.test(s) || !isWellFormedText(s)) return null;
  return s as DeviceId;
}

export function isDeviceId(s: string): s is DeviceId {
  return parseDeviceId(s) !== null;
}
