/** Request parameters shared by the media endpoints (mxc parts, booleans and integers in query strings). */
import { z } from "zod";
import { isMediaId } from "../../core/ids/mxc";
import { zServerName } from "../../core/ids/zod";

/** Only [A-Za-z0-9_-]: anything else (dots, slashes, percent-encoded traversal) never names media. */
export const zMediaId = z.string().refine(isMediaId, "media ID must be 1-255 characters of A-Z, a-z, 0-9, _ and -");

export const zMxcParams = z.object({ serverName: zServerName, mediaId: zMediaId });

export const zFileName = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "file name must not contain control characters");

export const zQueryBool = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === "true"));

const zQueryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** timeout_ms: default 20 s (spec); capped by the service. */
export const zTimeoutMs = zQueryInt(0, 2 ** 31).optional();

export const zDownloadQuery = z.object({
  timeout_ms: zTimeoutMs,
  allow_redirect: zQueryBool,
  allow_remote: zQueryBool,
});

export const zThumbnailQuery = z.object({
  width: zQueryInt(1, 65535),
  height: zQueryInt(1, 65535),
  method: z.enum(["crop", "scale"]).optional(),
  animated: zQueryBool,
  timeout_ms: zTimeoutMs,
  allow_redirect: zQueryBool,
  allow_remote: zQueryBool,
});

export const DEFAULT_TIMEOUT_MS = 20_000;
