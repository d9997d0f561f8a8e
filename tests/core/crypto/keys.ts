/** The spec's appendix test key, shared by the crypto and events tests. */
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { decodeBase64 } from "../../../src/core/json/base64";
import vector from "../../vectors/signing-key.json";

export const SPEC_SEED = decodeBase64(vector.seed_base64)!;
/** `ed25519:1` of server `domain`. */
export const specKey = signingKeyFromSeed(SPEC_SEED, "1");
export const SPEC_SERVER = vector.server_name;

/** A second fixed key for tests that need two servers. */
export const otherKey = signingKeyFromSeed(new Uint8Array(32).fill(7), "other");
