/**
 * Wire shapes shared by the e2ee endpoints. Signed objects are loose: fields the schema does not
 * name are kept, because signatures cover them.
 */
import { z } from "zod";

export const zSignatures = z.record(z.string(), z.record(z.string(), z.string()));

// definitions/device_keys.yaml
export const zDeviceKeys = z.looseObject({
  user_id: z.string(),
  device_id: z.string(),
  algorithms: z.array(z.string()),
  keys: z.record(z.string(), z.string()),
  signatures: zSignatures,
});

// definitions/one_time_keys.yaml: a key string, or a KeyObject
export const zOneTimeKeys = z.record(
  z.string(),
  z.union([z.string(), z.looseObject({ key: z.string(), signatures: zSignatures.optional() })]),
);

// definitions/cross_signing_key.yaml
export const zCrossSigningKey = z.looseObject({
  user_id: z.string(),
  usage: z.array(z.string()),
  keys: z.record(z.string(), z.string()),
  signatures: zSignatures.optional(),
});

export const zJsonObject = z.record(z.string(), z.unknown());
