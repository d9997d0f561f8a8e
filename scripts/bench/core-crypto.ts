/**
 * Core crypto and JSON figures: Ed25519 sign/verify with native node:crypto and with @noble/ed25519
 * (pure JS), SHA-256 on 1 KB, canonical JSON encoding and strict parsing, and whole-PDU build/verify.
 * Each figure is a rate over a fixed wall-clock window after a warm-up.
 */

import { createHash } from "node:crypto";
import * as noble from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { signBytes, signingKeyFromSeed, verifyBytes } from "../../src/core/crypto/ed25519";
import { buildPdu } from "../../src/core/events/build";
import { type PduKeyLookup, verifyPdu } from "../../src/core/events/signing";
import type { EventId } from "../../src/core/ids/event-id";
import type { RoomId } from "../../src/core/ids/room-id";
import type { ServerName } from "../../src/core/ids/server-name";
import type { UserId } from "../../src/core/ids/user-id";
import { encodeCanonicalJson } from "../../src/core/json/canonical";
import { parseStrictJson } from "../../src/core/json/parse-strict";
import { ROOM_VERSIONS } from "../../src/core/rooms/versions";
import type { BenchResult } from "./types";

const GROUP = "Core: crypto and JSON";

/** Calls `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
function rate(fn: () => void, ms = 1500): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** A realistic m.room.message PDU as it travels over federation (about 1 KB). */
function sampleEvent() {
  return {
    auth_events: [
      "$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg",
      "$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ",
      "$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk",
    ],
    content: {
      body: "Does anyone know whether the new build fixes the sync issue? I saw it on two devices yesterday — 🙂",
      format: "org.matrix.custom.html",
      formatted_body:
        "<p>Does anyone know whether the <b>new build</b> fixes the sync issue? I saw it on two devices yesterday — 🙂</p>",
      "m.mentions": { user_ids: ["@bob:example.org"] },
      "m.relates_to": { "m.in_reply_to": { event_id: "$CD66HAED5npg6074c6pDtLKalHjVfYb2q4Q3LZgrW6o" } },
      msgtype: "m.text",
    },
    depth: 48_213,
    hashes: { sha256: "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos" },
    origin_server_ts: 1_754_000_000_000,
    prev_events: ["$8yif6p8EqgoSten2BLje9ntKm720NyFLWQv9tn8memc"],
    room_id: "!jEsUZKDJdhlrceRyVU:example.org",
    sender: "@alice:example.org",
    signatures: {
      "example.org": {
        "ed25519:a_XyZw": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg",
      },
    },
    type: "m.room.message",
    unsigned: { age_ts: 1_754_000_000_000 },
  };
}

export async function run(): Promise<BenchResult[]> {
  noble.hashes.sha512 = sha512;
  const seed = new Uint8Array(32).map((_, i) => i * 7 + 1);
  const key = signingKeyFromSeed(seed, "bench");
  const msg = new TextEncoder().encode(encodeCanonicalJson(sampleEvent()));
  const sig = signBytes(key, msg);
  const noblePub = noble.getPublicKey(seed);
  const nobleSig = noble.sign(msg, seed);
  if (!verifyBytes(key.verifyKey, msg, nobleSig) || !noble.verify(sig, msg, noblePub)) {
    throw new Error("node:crypto and @noble/ed25519 disagree");
  }
  const note = `${msg.length}-byte message`;
  const out: BenchResult[] = [];
  const add = (name: string, value: number, unit: string, extra?: string) =>
    out.push({ group: GROUP, name, value, unit, note: extra ?? "" });

  add(
    "Ed25519 sign, node:crypto (cached KeyObject)",
    rate(() => signBytes(key, msg)),
    "ops/s",
    note,
  );
  add(
    "Ed25519 verify, node:crypto (cached KeyObject)",
    rate(() => verifyBytes(key.verifyKey, msg, sig)),
    "ops/s",
    note,
  );
  add(
    "Ed25519 sign, @noble/ed25519 3.2 (pure JS)",
    rate(() => noble.sign(msg, seed), 1000),
    "ops/s",
    note,
  );
  add(
    "Ed25519 verify, @noble/ed25519 3.2 (pure JS)",
    rate(() => noble.verify(sig, msg, noblePub), 1000),
    "ops/s",
    note,
  );

  const kb = new Uint8Array(1024).map((_, i) => i & 0xff);
  add(
    "SHA-256 on 1 KB, node:crypto createHash",
    rate(() => createHash("sha256").update(kb).digest()),
    "ops/s",
  );
  add(
    "SHA-256 on 1 KB, Bun.CryptoHasher (not usable in core)",
    rate(() => new Bun.CryptoHasher("sha256").update(kb).digest()),
    "ops/s",
  );

  const ev = sampleEvent();
  const evBytes = new TextEncoder().encode(encodeCanonicalJson(ev)).length;
  const enc = rate(() => encodeCanonicalJson(ev));
  add(
    "canonical JSON encoding, message PDU",
    (enc * evBytes) / 1e6,
    "MB/s",
    `${evBytes}-byte event, ${Math.round(enc).toLocaleString("en-US")} events/s`,
  );

  const txn = JSON.stringify({
    origin: "example.org",
    origin_server_ts: 1,
    pdus: Array.from({ length: 50 }, sampleEvent),
    edus: [],
  });
  const strict = rate(() => parseStrictJson(txn), 1000);
  const native = rate(() => JSON.parse(txn), 1000);
  add(
    "strict JSON parse, 50-PDU transaction",
    (strict * txn.length) / 1e6,
    "MB/s",
    `JSON.parse: ${((native * txn.length) / 1e6).toFixed(0)} MB/s on the same text`,
  );

  const rules = ROOM_VERSIONS["12"];
  const parts = {
    type: "m.room.message",
    sender: "@alice:example.org" as UserId,
    content: ev.content,
    roomId: "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ" as RoomId,
    prevEvents: ev.prev_events as EventId[],
    authEvents: ev.auth_events as EventId[],
    depth: ev.depth,
    originServerTs: ev.origin_server_ts,
  };
  const signer = { serverName: "example.org" as ServerName, key };
  const built = buildPdu(parts, rules, signer);
  if (!built.ok) throw new Error(built.reason);
  add(
    "build PDU (hash, sign, validate, event ID), room v12",
    rate(() => buildPdu(parts, rules, signer)),
    "events/s",
  );
  const lookup: PduKeyLookup = () => key.verifyKey;
  add(
    "verify received PDU (signature, content hash, event ID), room v12",
    rate(() => verifyPdu(built.pdu, rules, lookup)),
    "events/s",
  );
  return out;
}
