/** Cross-signing keys and the signatures uploaded with POST /keys/signatures/upload. */
import type { Db } from "../db";
import { chunked, IN_LIST } from "./e2ee-chunks";

export type CrossSigningUsage = "master" | "self_signing" | "user_signing";

export interface StoredCrossSigningKey {
  userId: string;
  usage: CrossSigningUsage;
  /** Unpadded base64 ed25519 public key (the key ID is `ed25519:<publicKey>`). */
  publicKey: string;
  /** The uploaded object as JSON text. */
  keyJson: string;
}

export interface StoredSignature {
  targetUserId: string;
  /** A device ID or a master key's public key. */
  targetKeyId: string;
  signerUserId: string;
  /** `ed25519:<device ID or public key>` */
  signerKeyId: string;
  signature: string;
}

export interface CrossSigningRepo {
  selectKey(userId: string, usage: CrossSigningUsage): StoredCrossSigningKey | null;
  selectKeys(userId: string): StoredCrossSigningKey[];
  /** The cross-signing keys of many users at once. */
  selectKeysOfUsers(userIds: readonly string[]): StoredCrossSigningKey[];
  upsertKey(k: StoredCrossSigningKey, at: number): void;
  deleteKeys(userId: string): number;

  /**
   * Signatures on the keys of many users that `viewer` may see: those made by the key's owner, and
   * those made by `viewer`.
   */
  selectVisibleSignatures(targetUserIds: readonly string[], viewer: string): StoredSignature[];
  /** Signatures on the target's keys made by any of `signers`. */
  selectSignatures(targetUserId: string, signers: readonly string[]): StoredSignature[];
  upsertSignature(s: StoredSignature): void;
  /** Deletes the signatures on the given target keys (devices that are gone). */
  deleteSignaturesOn(targetUserId: string, targetKeyIds: readonly string[]): void;
  deleteSignaturesOnUser(targetUserId: string): void;
}

interface KeySql {
  user_id: string;
  usage: CrossSigningUsage;
  public_key: string;
  key_json: string;
}
interface SigSql {
  target_user_id: string;
  target_key_id: string;
  signer_user_id: string;
  signer_key_id: string;
  signature: string;
}

const toKey = (r: KeySql): StoredCrossSigningKey => ({
  userId: r.user_id,
  usage: r.usage,
  publicKey: r.public_key,
  keyJson: r.key_json,
});
const toSig = (r: SigSql): StoredSignature => ({
  targetUserId: r.target_user_id,
  targetKeyId: r.target_key_id,
  signerUserId: r.signer_user_id,
  signerKeyId: r.signer_key_id,
  signature: r.signature,
});

export function createCrossSigningRepo(db: Db): CrossSigningRepo {
  const s = db.sqlite;
  const q = {
    selectKey: s.query<KeySql, [string, string]>(
      "SELECT user_id, usage, public_key, key_json FROM e2e_cross_signing_keys WHERE user_id = ? AND usage = ?",
    ),
    selectKeys: s.query<KeySql, [string]>(
      "SELECT user_id, usage, public_key, key_json FROM e2e_cross_signing_keys WHERE user_id = ? ORDER BY usage",
    ),
    selectKeysOf: s.query<KeySql, string[]>(
      `SELECT user_id, usage, public_key, key_json FROM e2e_cross_signing_keys WHERE user_id IN (${IN_LIST})`,
    ),
    selectVisible: s.query<SigSql, string[]>(
      `SELECT target_user_id, target_key_id, signer_user_id, signer_key_id, signature FROM e2e_key_signatures
        WHERE target_user_id IN (${IN_LIST}) AND (signer_user_id = target_user_id OR signer_user_id = ?)`,
    ),
    upsertKey: s.query(
      `INSERT INTO e2e_cross_signing_keys (user_id, usage, public_key, key_json, uploaded_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, usage) DO UPDATE SET public_key = excluded.public_key, key_json = excluded.key_json,
         uploaded_at = excluded.uploaded_at`,
    ),
    deleteKeys: s.query("DELETE FROM e2e_cross_signing_keys WHERE user_id = ?"),
    selectSigsBy1: s.query<SigSql, [string, string]>(
      `SELECT target_user_id, target_key_id, signer_user_id, signer_key_id, signature FROM e2e_key_signatures
        WHERE target_user_id = ? AND signer_user_id = ?`,
    ),
    selectSigsBy2: s.query<SigSql, [string, string, string]>(
      `SELECT target_user_id, target_key_id, signer_user_id, signer_key_id, signature FROM e2e_key_signatures
        WHERE target_user_id = ? AND signer_user_id IN (?, ?)`,
    ),
    upsertSig: s.query(
      `INSERT INTO e2e_key_signatures (target_user_id, target_key_id, signer_user_id, signer_key_id, signature)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET signature = excluded.signature`,
    ),
    deleteSigsOn: s.query("DELETE FROM e2e_key_signatures WHERE target_user_id = ? AND target_key_id = ?"),
    deleteSigsOnUser: s.query("DELETE FROM e2e_key_signatures WHERE target_user_id = ?"),
  };
  return {
    selectKey(userId, usage) {
      const r = q.selectKey.get(userId, usage);
      return r ? toKey(r) : null;
    },
    selectKeys: (userId) => q.selectKeys.all(userId).map(toKey),
    selectKeysOfUsers: (userIds) => chunked(userIds, (c) => q.selectKeysOf.all(...c)).map(toKey),
    selectVisibleSignatures: (targets, viewer) => chunked(targets, (c) => q.selectVisible.all(...c, viewer)).map(toSig),
    upsertKey(k, at) {
      q.upsertKey.run(k.userId, k.usage, k.publicKey, k.keyJson, at);
    },
    deleteKeys: (userId) => q.deleteKeys.run(userId).changes,
    selectSignatures(target, signers) {
      const unique = [...new Set(signers)];
      if (unique.length === 0) return [];
      if (unique.length === 1) return q.selectSigsBy1.all(target, unique[0]!).map(toSig);
      if (unique.length === 2) return q.selectSigsBy2.all(target, unique[0]!, unique[1]!).map(toSig);
      throw new RangeError("at most two signers are supported");
    },
    upsertSignature(sig) {
      q.upsertSig.run(sig.targetUserId, sig.targetKeyId, sig.signerUserId, sig.signerKeyId, sig.signature);
    },
    deleteSignaturesOn(target, keyIds) {
      for (const k of keyIds) q.deleteSigsOn.run(target, k);
    },
    deleteSignaturesOnUser(target) {
      q.deleteSigsOnUser.run(target);
    },
  };
}
