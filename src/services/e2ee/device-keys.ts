/**
 * Device keys, one-time keys and fallback keys: POST /keys/upload, /keys/query and /keys/claim
 * (client-server API, "Key management API"). Queries for users on other servers need federation,
 * which this server does not have yet: their servers are reported in `failures`.
 */
import { verifyKeyFromBase64 } from "../../core/crypto/ed25519";
import { MatrixError } from "../../core/errors";
import { parseUserId, userServerName } from "../../core/ids/user-id";
import type { Db } from "../../storage/db";
import type { CrossSigningRepo, StoredSignature } from "../../storage/repos/cross-signing";
import type { DeviceKeysRepo } from "../../storage/repos/e2ee-device-keys";
import type { Clock } from "../../util/clock";
import type { DeviceListTracker } from "./device-lists";
import {
  canonical,
  canonicalUnsigned,
  checkDeviceKeys,
  checkOneTimeKey,
  isObject,
  type JsonObject,
} from "./key-objects";

export interface Device {
  userId: string;
  deviceId: string;
}

export interface UploadKeysRequest {
  device_keys?: JsonObject | undefined;
  one_time_keys?: Record<string, unknown> | undefined;
  fallback_keys?: Record<string, unknown> | undefined;
}

export interface QueryKeysResult {
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys: Record<string, JsonObject>;
  self_signing_keys: Record<string, JsonObject>;
  user_signing_keys: Record<string, JsonObject>;
  failures: Record<string, JsonObject>;
}

export interface ClaimKeysResult {
  one_time_keys: Record<string, Record<string, Record<string, unknown>>>;
  failures: Record<string, JsonObject>;
}

export interface DeviceKeysService {
  uploadKeys(device: Device, req: UploadKeysRequest): { one_time_key_counts: Record<string, number> };
  queryKeys(requester: string, query: Record<string, readonly string[]>): QueryKeysResult;
  claimKeys(requester: string, claim: Record<string, Record<string, string>>): ClaimKeysResult;
  /** Unclaimed one-time keys per algorithm (signed_curve25519 is always present, 0 when none). */
  oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number>;
  /** Algorithms of the device's fallback keys that no claim has handed out yet. */
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[];
}

export interface DeviceKeysDeps {
  db: Db;
  serverName: string;
  keys: DeviceKeysRepo;
  crossSigning: CrossSigningRepo;
  deviceLists: DeviceListTracker;
  clock: Clock;
}

/** What remote servers get in `failures` until federation exists. */
export function federationUnavailable(): JsonObject {
  return { status: 503, message: "This server cannot reach other servers yet (federation is not available)" };
}

/** Adds the extra signatures to `obj.signatures` (a copy). */
export function withSignatures(obj: JsonObject, extra: readonly StoredSignature[]): JsonObject {
  if (extra.length === 0) return obj;
  const sigs: Record<string, Record<string, unknown>> = {};
  if (isObject(obj.signatures)) {
    for (const [u, s] of Object.entries(obj.signatures)) sigs[u] = isObject(s) ? { ...s } : {};
  }
  for (const s of extra) sigs[s.signerUserId] = { ...sigs[s.signerUserId], [s.signerKeyId]: s.signature };
  return { ...obj, signatures: sigs };
}

export function createDeviceKeysService(deps: DeviceKeysDeps): DeviceKeysService {
  const { db, keys } = deps;
  /** The user's server name, or null for a malformed user ID (skipped, as for unknown users). */
  const serverOf = (userId: string): string | null => {
    const id = parseUserId(userId);
    return id === null ? null : userServerName(id);
  };

  const oneTimeKeyCounts = (userId: string, deviceId: string) => ({
    signed_curve25519: 0,
    ...keys.countOneTimeKeys(userId, deviceId),
  });

  return {
    uploadKeys({ userId, deviceId }, req) {
      let keysChanged = false;
      db.tx(() => {
        const stored = keys.selectDeviceKeys(userId, deviceId);
        let verifyKey = stored ? verifyKeyFromBase64(stored.ed25519Key) : null;
        if (req.device_keys !== undefined) {
          const checked = checkDeviceKeys(req.device_keys, userId, deviceId);
          const json = canonical(checked.keys, "device_keys");
          if (stored) {
            const before = JSON.parse(stored.keyJson) as JsonObject;
            if (canonicalUnsigned(before, "stored keys") !== canonicalUnsigned(checked.keys, "device_keys")) {
              throw MatrixError.invalidParam(
                "This device already has different identity keys; log in as a new device to use new keys",
              );
            }
          }
          if (stored?.keyJson !== json) {
            keys.upsertDeviceKeys(
              { userId, deviceId, keyJson: json, ed25519Key: checked.ed25519Key },
              deps.clock.now(),
            );
            keysChanged = true;
          }
          verifyKey = checked.verifyKey;
        }
        const owner = { userId, deviceId, verifyKey };
        for (const [name, value] of Object.entries(req.one_time_keys ?? {})) {
          const k = checkOneTimeKey(name, value, owner, "one_time_keys");
          const existing = keys.selectOneTimeKey(userId, deviceId, k.algorithm, k.keyId);
          if (existing === k.json) continue;
          if (existing !== null) {
            throw MatrixError.invalidParam(`One-time key ${name} was already uploaded with different content`);
          }
          keys.insertOneTimeKey(userId, deviceId, { algorithm: k.algorithm, keyId: k.keyId, keyJson: k.json });
        }
        const seen = new Set<string>();
        for (const [name, value] of Object.entries(req.fallback_keys ?? {})) {
          const k = checkOneTimeKey(name, value, owner, "fallback_keys");
          if (seen.has(k.algorithm)) {
            throw MatrixError.invalidParam(`fallback_keys holds more than one ${k.algorithm} key`);
          }
          seen.add(k.algorithm);
          const existing = keys.selectFallbackKey(userId, deviceId, k.algorithm);
          // The same key again keeps its state (used or not); a new key replaces it, unused.
          if (existing && existing.keyId === k.keyId && existing.keyJson === k.json) continue;
          keys.upsertFallbackKey(userId, deviceId, { algorithm: k.algorithm, keyId: k.keyId, keyJson: k.json });
        }
        if (keysChanged) deps.deviceLists.userChanged(userId);
      });
      return { one_time_key_counts: oneTimeKeyCounts(userId, deviceId) };
    },

    queryKeys(requester, query) {
      const out: QueryKeysResult = {
        device_keys: {},
        master_keys: {},
        self_signing_keys: {},
        user_signing_keys: {},
        failures: {},
      };
      const local: string[] = [];
      for (const userId of Object.keys(query)) {
        const server = serverOf(userId);
        if (server === null) continue;
        if (server !== deps.serverName) out.failures[server] = federationUnavailable();
        else {
          local.push(userId);
          out.device_keys[userId] = {};
        }
      }
      if (local.length === 0) return out;

      // Signatures by the key's owner, or by the requester (their user-signing key on this user's
      // master key); never signatures made with third users' user-signing keys.
      const sigs = new Map<string, StoredSignature[]>();
      for (const sig of deps.crossSigning.selectVisibleSignatures(local, requester)) {
        const k = `${sig.targetUserId}\n${sig.targetKeyId}`;
        const list = sigs.get(k);
        if (list) list.push(sig);
        else sigs.set(k, [sig]);
      }
      const sigsOn = (userId: string, keyId: string) => sigs.get(`${userId}\n${keyId}`) ?? [];

      const wanted = new Map<string, Set<string> | null>();
      for (const u of local) wanted.set(u, query[u]!.length > 0 ? new Set(query[u]) : null);
      for (const d of keys.selectUsersDeviceKeys(local)) {
        const only = wanted.get(d.userId);
        if (only && !only.has(d.deviceId)) continue;
        // Devices keep their own signatures; only the owner's self-signing key adds to them.
        const extra = sigsOn(d.userId, d.deviceId).filter((x) => x.signerUserId === d.userId);
        const obj = withSignatures(JSON.parse(d.keyJson) as JsonObject, extra);
        out.device_keys[d.userId]![d.deviceId] = {
          ...obj,
          unsigned: d.displayName !== null ? { device_display_name: d.displayName } : {},
        };
      }
      for (const k of deps.crossSigning.selectKeysOfUsers(local)) {
        const obj = JSON.parse(k.keyJson) as JsonObject;
        if (k.usage === "master") out.master_keys[k.userId] = withSignatures(obj, sigsOn(k.userId, k.publicKey));
        else if (k.usage === "self_signing") out.self_signing_keys[k.userId] = obj;
        else if (k.userId === requester) out.user_signing_keys[k.userId] = obj;
      }
      return out;
    },

    claimKeys(_requester, claim) {
      const out: ClaimKeysResult = { one_time_keys: {}, failures: {} };
      db.tx(() => {
        for (const [userId, devices] of Object.entries(claim)) {
          const server = serverOf(userId);
          if (server === null) continue;
          if (server !== deps.serverName) {
            out.failures[server] = federationUnavailable();
            continue;
          }
          for (const [deviceId, algorithm] of Object.entries(devices)) {
            const k =
              keys.claimOneTimeKey(userId, deviceId, algorithm) ?? keys.useFallbackKey(userId, deviceId, algorithm);
            if (!k) continue;
            const forUser = out.one_time_keys[userId] ?? {};
            out.one_time_keys[userId] = forUser;
            forUser[deviceId] = { [`${k.algorithm}:${k.keyId}`]: JSON.parse(k.keyJson) };
          }
        }
      });
      return out;
    },

    oneTimeKeyCounts,
    unusedFallbackKeyTypes: (userId, deviceId) => keys.unusedFallbackAlgorithms(userId, deviceId),
  };
}
