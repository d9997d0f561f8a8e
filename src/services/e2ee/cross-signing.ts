/**
 * Cross-signing (client-server API, "Cross-signing"): POST /keys/device_signing/upload and
 * POST /keys/signatures/upload.
 *
 * Uploading keys needs user-interactive auth, except (spec v1.11, MSC3967) when the user has no
 * master key yet, or when every key in the request equals the stored one (a retried request).
 */
import { ED25519, verifyKeyFromBase64 } from "../../core/crypto/ed25519";
import { verifyJson } from "../../core/crypto/sign-json";
import { MatrixError } from "../../core/errors";
import { parseUserId, userServerName } from "../../core/ids/user-id";
import type { Db } from "../../storage/db";
import type { CrossSigningRepo, StoredCrossSigningKey, StoredSignature } from "../../storage/repos/cross-signing";
import type { DeviceKeysRepo } from "../../storage/repos/e2ee-device-keys";
import type { Clock } from "../../util/clock";
import type { UiaService } from "../uia/uia-service";
import type { DeviceListTracker } from "./device-lists";
import {
  type CheckedCrossSigningKey,
  type CrossSigningUsage,
  canonicalUnsigned,
  checkCrossSigningKey,
  invalidSignature,
  isObject,
  isSignedByMaster,
  type JsonObject,
  M_INVALID_SIGNATURE,
} from "./key-objects";

export interface UploadCrossSigningRequest {
  master_key?: unknown;
  self_signing_key?: unknown;
  user_signing_key?: unknown;
  auth?: unknown;
}

export interface SignatureFailure {
  errcode: string;
  error: string;
}

export interface CrossSigningService {
  /** Stores the keys (after UIA when required). Throws 400/403 for invalid keys, 401 for UIA. */
  uploadKeys(requester: { userId: string; deviceId: string }, req: UploadCrossSigningRequest): Promise<void>;
  /** Checks and stores signatures; the ones refused are reported per user and key. */
  uploadSignatures(
    requester: { userId: string; deviceId: string },
    body: Record<string, Record<string, unknown>>,
  ): { failures: Record<string, Record<string, SignatureFailure>> };
}

export interface CrossSigningDeps {
  db: Db;
  serverName: string;
  repo: CrossSigningRepo;
  deviceKeys: DeviceKeysRepo;
  /** The user's device IDs (a cross-signing public key may not equal one of them). */
  deviceIdsOf(userId: string): string[];
  uia: UiaService;
  deviceLists: DeviceListTracker;
  clock: Clock;
}

export const UPLOAD_CROSS_SIGNING_OPERATION = "POST /_matrix/client/v3/keys/device_signing/upload";
const USAGES: readonly CrossSigningUsage[] = ["master", "self_signing", "user_signing"];

interface UploadPlan {
  /** Keys that differ from the stored ones, to write. */
  changes: CheckedCrossSigningKey[];
  hasMaster: boolean;
}

function stored(k: StoredCrossSigningKey | null) {
  if (!k) return null;
  const verifyKey = verifyKeyFromBase64(k.publicKey);
  return verifyKey ? { publicKey: k.publicKey, verifyKey, json: k.keyJson } : null;
}

export function createCrossSigningService(deps: CrossSigningDeps): CrossSigningService {
  const { db, repo } = deps;

  /** Checks the request against what is stored now; throws the client's error. Writes nothing. */
  const plan = (userId: string, req: UploadCrossSigningRequest): UploadPlan => {
    const given: Partial<Record<CrossSigningUsage, CheckedCrossSigningKey>> = {};
    if (req.master_key !== undefined) given.master = checkCrossSigningKey(req.master_key, "master", userId);
    if (req.self_signing_key !== undefined) {
      given.self_signing = checkCrossSigningKey(req.self_signing_key, "self_signing", userId);
    }
    if (req.user_signing_key !== undefined) {
      given.user_signing = checkCrossSigningKey(req.user_signing_key, "user_signing", userId);
    }
    const storedMaster = stored(repo.selectKey(userId, "master"));
    const master = given.master ?? storedMaster;
    if ((given.self_signing || given.user_signing) && !master) {
      throw MatrixError.missingParam("No master signing key: upload master_key first or with these keys");
    }
    for (const usage of ["self_signing", "user_signing"] as const) {
      const k = given[usage];
      if (k && master && !isSignedByMaster(k.key, userId, master)) {
        throw invalidSignature(`${usage}_key is not signed by the master signing key`);
      }
    }
    const devices = new Set(deps.deviceIdsOf(userId));
    const changes: CheckedCrossSigningKey[] = [];
    for (const usage of USAGES) {
      const k = given[usage];
      if (!k) continue;
      if (devices.has(k.publicKey)) {
        throw MatrixError.forbidden(`The ${usage} public key is the ID of one of your devices`);
      }
      const current = repo.selectKey(userId, usage);
      if (current?.keyJson !== k.json) changes.push(k);
    }
    return { changes, hasMaster: storedMaster !== null };
  };

  return {
    async uploadKeys({ userId }, req) {
      const first = plan(userId, req);
      let sessionId: string | null = null;
      if (first.hasMaster && first.changes.length > 0) {
        const passed = await deps.uia.authenticate({
          operation: UPLOAD_CROSS_SIGNING_OPERATION,
          userId,
          auth: req.auth,
          flows: [["m.login.password"]],
        });
        sessionId = passed.sessionId;
      }
      db.tx(() => {
        // Checked again: the stored keys may have changed while the user authenticated.
        const now = plan(userId, req);
        if (now.hasMaster && now.changes.length > 0 && sessionId === null) {
          throw MatrixError.forbidden("Cross-signing keys were uploaded meanwhile; retry to authenticate");
        }
        for (const k of now.changes) {
          repo.upsertKey({ userId, usage: k.usage, publicKey: k.publicKey, keyJson: k.json }, deps.clock.now());
        }
        if (now.changes.length > 0) deps.deviceLists.userChanged(userId);
        if (sessionId !== null) deps.uia.finish(sessionId);
      });
    },

    uploadSignatures({ userId }, body) {
      const failures: Record<string, Record<string, SignatureFailure>> = {};
      const fail = (target: string, keyId: string, errcode: string, error: string) => {
        failures[target] = { ...failures[target], [keyId]: { errcode, error } };
      };
      let ownChanged = false;
      const othersSigned: string[] = [];

      db.tx(() => {
        const ssk = stored(repo.selectKey(userId, "self_signing"));
        const usk = stored(repo.selectKey(userId, "user_signing"));
        for (const [target, objects] of Object.entries(body)) {
          const targetId = parseUserId(target);
          for (const [keyId, obj] of Object.entries(objects)) {
            if (targetId === null) {
              fail(target, keyId, "M_INVALID_PARAM", "Not a user ID");
              continue;
            }
            if (userServerName(targetId) !== deps.serverName) {
              fail(target, keyId, "M_NOT_FOUND", "Keys of users on other servers are not available yet");
              continue;
            }
            if (!isObject(obj)) {
              fail(target, keyId, "M_BAD_JSON", "The signed object must be a JSON object");
              continue;
            }
            const mine = isObject(obj.signatures) ? obj.signatures[userId] : undefined;
            if (!isObject(mine) || Object.keys(mine).length === 0) {
              fail(target, keyId, "M_INVALID_PARAM", `The object carries no signature by ${userId}`);
              continue;
            }
            let unsignedJson: string;
            try {
              unsignedJson = canonicalUnsigned(obj, "signed object");
            } catch (e) {
              fail(target, keyId, "M_BAD_JSON", e instanceof Error ? e.message : "Invalid JSON");
              continue;
            }
            const master = repo.selectKey(target, "master");
            const accept = (toStore: StoredSignature[]) => {
              for (const s of toStore) repo.upsertSignature(s);
            };

            if (target === userId) {
              if (master && keyId === master.publicKey) {
                // Our own devices sign our master key.
                const masterObj = JSON.parse(master.keyJson) as JsonObject;
                if (canonicalUnsigned(masterObj, "master key") !== unsignedJson) {
                  fail(target, keyId, "M_INVALID_PARAM", "The object does not match the stored master key");
                  continue;
                }
                const out: StoredSignature[] = [];
                let bad: string | null = null;
                for (const [signerKeyId, sig] of Object.entries(mine)) {
                  if (signerKeyId === `${ED25519}:${master.publicKey}`) continue; // self-signature
                  const device = signerKeyId.startsWith(`${ED25519}:`)
                    ? deps.deviceKeys.selectDeviceKeys(userId, signerKeyId.slice(ED25519.length + 1))
                    : null;
                  const vk = device ? verifyKeyFromBase64(device.ed25519Key) : null;
                  if (!vk || typeof sig !== "string" || !verifyJson(obj, userId, signerKeyId, vk)) {
                    bad = signerKeyId;
                    break;
                  }
                  out.push({
                    targetUserId: target,
                    targetKeyId: keyId,
                    signerUserId: userId,
                    signerKeyId,
                    signature: sig,
                  });
                }
                if (bad !== null) {
                  fail(target, keyId, M_INVALID_SIGNATURE, `Invalid signature by ${bad}`);
                  continue;
                }
                if (out.length === 0) {
                  fail(target, keyId, "M_INVALID_PARAM", "No signature by one of your devices");
                  continue;
                }
                accept(out);
                ownChanged = true;
                continue;
              }
              const device = deps.deviceKeys.selectDeviceKeys(userId, keyId);
              if (!device) {
                fail(target, keyId, "M_NOT_FOUND", "Unknown device or key");
                continue;
              }
              if (canonicalUnsigned(JSON.parse(device.keyJson) as JsonObject, "device keys") !== unsignedJson) {
                fail(target, keyId, "M_INVALID_PARAM", "The object does not match the device's keys");
                continue;
              }
              if (!ssk) {
                fail(target, keyId, "M_INVALID_PARAM", "You have no self-signing key");
                continue;
              }
              const signerKeyId = `${ED25519}:${ssk.publicKey}`;
              const sig = mine[signerKeyId];
              if (typeof sig !== "string") {
                fail(target, keyId, "M_INVALID_PARAM", "Devices are signed with your self-signing key");
                continue;
              }
              if (!verifyJson(obj, userId, signerKeyId, ssk.verifyKey)) {
                fail(target, keyId, M_INVALID_SIGNATURE, "Invalid signature by your self-signing key");
                continue;
              }
              accept([{ targetUserId: target, targetKeyId: keyId, signerUserId: userId, signerKeyId, signature: sig }]);
              ownChanged = true;
              continue;
            }

            // Another user's master key, signed with our user-signing key.
            if (!master || keyId !== master.publicKey) {
              fail(target, keyId, "M_NOT_FOUND", "Only other users' master keys can be signed");
              continue;
            }
            if (canonicalUnsigned(JSON.parse(master.keyJson) as JsonObject, "master key") !== unsignedJson) {
              fail(target, keyId, "M_INVALID_PARAM", "The object does not match the stored master key");
              continue;
            }
            if (!usk) {
              fail(target, keyId, "M_INVALID_PARAM", "You have no user-signing key");
              continue;
            }
            const signerKeyId = `${ED25519}:${usk.publicKey}`;
            const sig = mine[signerKeyId];
            if (typeof sig !== "string") {
              fail(target, keyId, "M_INVALID_PARAM", "Other users are signed with your user-signing key");
              continue;
            }
            if (!verifyJson(obj, userId, signerKeyId, usk.verifyKey)) {
              fail(target, keyId, M_INVALID_SIGNATURE, "Invalid signature by your user-signing key");
              continue;
            }
            accept([{ targetUserId: target, targetKeyId: keyId, signerUserId: userId, signerKeyId, signature: sig }]);
            othersSigned.push(target);
          }
        }
        if (ownChanged) deps.deviceLists.userChanged(userId);
        if (othersSigned.length > 0) deps.deviceLists.privateChange(userId, othersSigned);
      });
      return { failures };
    },
  };
}
