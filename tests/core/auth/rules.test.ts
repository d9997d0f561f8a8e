/**
 * The authorization rules, rule by rule, for every room version: each case builds a room, makes one
 * event and checks it against its auth events (state-independent then state-dependent rules). Refused
 * cases name the rule that must refuse them; the rule numbers per version are hand-written from the
 * spec in tests/vectors/auth/rule-numbers.json.
 */
import { describe, expect, test } from "bun:test";
import { checkAuthEvents } from "../../../src/core/auth";
import type { AuthEvent } from "../../../src/core/auth/types";
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { signJson } from "../../../src/core/crypto/sign-json";
import type { RoomVersionId, RoomVersionRules } from "../../../src/core/rooms/versions";
import { ALICE, ALL_VERSIONS, BOB, CHARLIE, DAVE, type EventInit, RoomDag, ZARA } from "../../helpers/builders";
import vectors from "../../vectors/auth/rule-numbers.json";

type VectorName = keyof typeof vectors.cases;

interface Case {
  name: string;
  /** "allow", or the vector naming the refusing rule. */
  expect: "allow" | VectorName;
  /** Versions the case applies to (default: all; refused cases also skip versions where their vector is null). */
  when?: (r: RoomVersionRules) => boolean;
  /** Builds the room and returns the event to check (not added to the room). */
  run: (d: RoomDag) => AuthEvent;
}

/** The number for a version from a `{ firstVersion: number }` map. */
function numberFor(numbers: Record<string, string | null>, version: RoomVersionId): string | null | undefined {
  let out: string | null | undefined;
  for (const [from, n] of Object.entries(numbers)) if (Number(version) >= Number(from)) out = n;
  return out;
}

const IDENTITY_KEY = signingKeyFromSeed(new Uint8Array(32).fill(7), "0");
const OTHER_KEY = signingKeyFromSeed(new Uint8Array(32).fill(9), "0");

/** Alice publishes an m.room.third_party_invite for `token`, signed by the identity server key. */
function thirdPartyInvite(d: RoomDag, token = "tok", content: Record<string, unknown> = {}) {
  return d.add({
    type: "m.room.third_party_invite",
    stateKey: token,
    sender: ALICE,
    content: {
      display_name: "d...@example.org",
      key_validity_url: "https://id.example/_matrix/identity/v2/pubkey/isvalid",
      public_key: IDENTITY_KEY.verifyKey.publicKeyBase64,
      ...content,
    },
  });
}

function signed(mxid: string, token: string, key = IDENTITY_KEY): Record<string, unknown> {
  return signJson({ mxid, token, sender: ALICE }, "id.example", key);
}

function invite3pid(d: RoomDag, sender: string, target: string, tpi: unknown): AuthEvent {
  return d.build({
    type: "m.room.member",
    stateKey: target,
    sender,
    content: { membership: "invite", third_party_invite: tpi },
  });
}

const pl = (d: RoomDag, sender: string, content: Record<string, unknown>) => d.powerLevels(sender, content);
const member = (d: RoomDag, sender: string, target: string, membership: string, extra: Partial<EventInit> = {}) =>
  d.build({
    type: "m.room.member",
    stateKey: target,
    sender,
    ...extra,
    content: { membership, ...(extra.content ?? {}) },
  });
const v = {
  knocking: (r: RoomVersionRules) => r.auth.knocking,
  restricted: (r: RoomVersionRules) => r.auth.restrictedJoinRule,
};

const CASES: Case[] = [
  // 1. m.room.create
  { name: "a well-formed create event", expect: "allow", run: (d) => d.build(d.createInit()) },
  {
    name: "create with prev_events",
    expect: "create-prev-events",
    run: (d) => ({ ...d.build(d.createInit()), prev_events: [edge(d, "$x")] }),
  },
  {
    name: "create whose room ID is on another server",
    expect: "create-room-id-domain",
    when: (r) => !r.auth.roomIdIsCreateEventId,
    run: (d) => d.build({ ...d.createInit(), roomId: "!room:elsewhere.example" }),
  },
  {
    name: "v12 create carrying a room_id",
    expect: "create-has-room-id",
    when: (r) => r.auth.roomIdIsCreateEventId,
    run: (d) => d.build({ ...d.createInit(), roomId: "!room:example.com" }),
  },
  {
    name: "create naming an unknown room version",
    expect: "create-unknown-room-version",
    run: (d) => d.build(d.createInit(ALICE, { room_version: "99" })),
  },
  {
    name: "create without creator",
    expect: "create-without-creator",
    when: (r) => r.auth.creatorInContent,
    run: (d) => d.build({ ...d.createInit(), content: { room_version: d.version } }),
  },
  {
    name: "create without creator (the sender is the creator from v11)",
    expect: "allow",
    when: (r) => !r.auth.creatorInContent,
    run: (d) => d.build({ ...d.createInit(), content: { room_version: d.version } }),
  },
  {
    name: "create with additional_creators that are not user IDs",
    expect: "create-bad-additional-creators",
    when: (r) => r.auth.privilegedCreators,
    run: (d) => d.build(d.createInit(ALICE, { additional_creators: [BOB, "bob"] })),
  },
  {
    name: "create with valid additional_creators",
    expect: "allow",
    when: (r) => r.auth.privilegedCreators,
    run: (d) => d.build(d.createInit(ALICE, { additional_creators: [BOB, ZARA] })),
  },

  // v12 rule 2: the room ID is an accepted create event
  {
    name: "v12 event whose room ID names no create event",
    expect: "room-id-not-a-create-event",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.message", sender: ALICE, content: {}, roomId: "!nothing" });
    },
  },
  {
    name: "v12 event in a room whose create event was rejected",
    expect: "room-id-not-a-create-event",
    when: (r) => r.auth.roomIdIsCreateEventId,
    run: (d) => {
      standard(d);
      d.rejected.add(d.createId());
      return d.build({ type: "m.room.message", sender: ALICE, content: {} });
    },
  },

  // auth events
  {
    name: "auth events citing an unknown event",
    expect: "auth-event-unknown",
    run: (d) => {
      standard(d);
      const e = d.build({ type: "m.room.message", sender: ALICE, content: {} });
      return { ...e, auth_events: [...e.auth_events, edge(d, "$unknown")] };
    },
  },
  {
    name: "two auth events for the same key",
    expect: "auth-events-duplicate",
    run: (d) => {
      standard(d);
      d.join(ALICE, { content: { displayname: "Alice" }, id: "IMA2" });
      const e = d.build({ type: "m.room.message", sender: ALICE, content: {} });
      return { ...e, auth_events: [...e.auth_events, edge(d, "$IMA")] };
    },
  },
  {
    name: "a message citing the join rules",
    expect: "auth-event-unexpected",
    run: (d) => {
      standard(d);
      const e = d.build({ type: "m.room.message", sender: ALICE, content: {} });
      return { ...e, auth_events: [...e.auth_events, edge(d, "$IJR")] };
    },
  },
  {
    name: "a v12 event citing the create event",
    expect: "auth-event-create-cited-in-v12",
    run: (d) => {
      standard(d);
      const e = d.build({ type: "m.room.message", sender: ALICE, content: {} });
      return { ...e, auth_events: [...e.auth_events, edge(d, d.createId())] };
    },
  },
  {
    name: "an auth event that was rejected",
    expect: "auth-event-rejected",
    run: (d) => {
      standard(d);
      const p = pl(d, ALICE, { users: { [ALICE]: 100 }, ban: 60 });
      d.rejected.add(p.event_id);
      return d.build({ type: "m.room.message", sender: ALICE, content: {} });
    },
  },
  {
    name: "auth events without the create event",
    expect: "auth-events-without-create",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.message", sender: ALICE, content: {}, auth: ["IPOWER", "IMA"] });
    },
  },
  {
    name: "an auth event from another room",
    expect: "auth-event-other-room",
    run: (d) => {
      standard(d);
      // Bob's membership as the builder sees it now comes from another room's event.
      d.add({
        type: "m.room.member",
        stateKey: BOB,
        sender: BOB,
        content: { membership: "join" },
        roomId: "!other:example.com",
      });
      return message(d, BOB);
    },
  },

  // m.federate
  {
    name: "a remote user joining a room that does not federate",
    expect: "federate-false",
    run: (d) => {
      standard(d, [BOB], { "m.federate": false });
      return member(d, ZARA, ZARA, "join");
    },
  },
  {
    name: "a local user joining a room that does not federate",
    expect: "allow",
    run: (d) => {
      standard(d, [BOB], { "m.federate": false });
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },

  // m.room.aliases (v1-v5)
  {
    name: "a server sets its aliases without being in the room",
    expect: "allow",
    when: (r) => r.auth.specialCaseAliases,
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.aliases", stateKey: "remote.example", sender: ZARA, content: { aliases: [] } });
    },
  },
  {
    name: "aliases for another server",
    expect: "aliases-other-domain",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.aliases", stateKey: "example.com", sender: ZARA, content: {} });
    },
  },
  {
    name: "aliases without state_key",
    expect: "aliases-no-state-key",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.aliases", sender: ZARA, content: {} });
    },
  },
  {
    name: "aliases get no special treatment from v6",
    expect: "aliases-by-non-member-after-v6",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.aliases", stateKey: "remote.example", sender: ZARA, content: {} });
    },
  },

  // m.room.member
  {
    name: "member event without membership",
    expect: "member-without-membership",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.member", stateKey: CHARLIE, sender: CHARLIE, content: {} });
    },
  },
  {
    name: "restricted join not signed by the authorising server",
    expect: "join-authorised-via-unsigned",
    when: v.restricted,
    run: (d) => {
      standard(d, [BOB, ZARA]);
      d.joinRules(ALICE, "restricted", { allow: [{ type: "m.room_membership", room_id: "!space:example.com" }] });
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: ZARA } });
    },
  },
  {
    name: "the creator joins right after the create event",
    expect: "allow",
    run: (d) => {
      d.create(ALICE);
      return member(d, ALICE, ALICE, "join");
    },
  },
  {
    name: "someone else joins right after the create event",
    expect: "join-after-create-not-creator",
    run: (d) => {
      d.create(ALICE);
      return member(d, BOB, BOB, "join");
    },
  },
  {
    name: "joining a public room",
    expect: "allow",
    run: (d) => {
      standard(d);
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "joining on behalf of someone else",
    expect: "join-for-someone-else",
    run: (d) => {
      standard(d);
      return member(d, ALICE, CHARLIE, "join");
    },
  },
  {
    name: "a banned user joins",
    expect: "join-while-banned",
    run: (d) => {
      standard(d);
      d.member(ALICE, CHARLIE, "ban");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "an uninvited user joins an invite-only room",
    expect: "join-invite-only-uninvited",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "invite");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "an invited user joins an invite-only room",
    expect: "allow",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "invite");
      d.member(ALICE, CHARLIE, "invite");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "a joined user re-joins (profile change) an invite-only room",
    expect: "allow",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "invite");
      return member(d, BOB, BOB, "join", { content: { displayname: "B" } });
    },
  },
  {
    name: "an invited user joins a knock room",
    expect: "allow",
    when: v.knocking,
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      d.member(ALICE, CHARLIE, "invite");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "the knock join rule means nothing before v7",
    expect: "join-knock-rule-before-v7",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      d.member(ALICE, CHARLIE, "invite");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "the private join rule lets nobody in",
    expect: "join-private-rule",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "private");
      return member(d, CHARLIE, CHARLIE, "join");
    },
  },
  {
    name: "restricted join authorised by a joined member who can invite",
    expect: "allow",
    when: v.restricted,
    run: (d) => {
      restricted(d);
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: BOB } });
    },
  },
  {
    name: "restricted join without an authorising user",
    expect: "join-restricted-without-authoriser",
    run: (d) => {
      restricted(d);
      return member(d, DAVE, DAVE, "join");
    },
  },
  {
    name: "restricted join authorised by someone not in the room",
    expect: "join-restricted-authoriser-not-joined",
    run: (d) => {
      restricted(d);
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: CHARLIE } });
    },
  },
  {
    name: "restricted join authorised by a member who cannot invite",
    expect: "join-restricted-authoriser-cannot-invite",
    run: (d) => {
      restricted(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, invite: 50 });
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: BOB } });
    },
  },
  {
    name: "an invited user joins a restricted room without an authoriser",
    expect: "allow",
    when: v.restricted,
    run: (d) => {
      restricted(d);
      d.member(ALICE, DAVE, "invite");
      return member(d, DAVE, DAVE, "join");
    },
  },
  {
    name: "the restricted join rule means nothing before v8",
    expect: "join-restricted-before-v8",
    run: (d) => {
      restricted(d);
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: BOB } });
    },
  },
  {
    name: "knock_restricted allows authorised joins from v10",
    expect: "allow",
    when: (r) => r.auth.knockRestrictedJoinRule,
    run: (d) => {
      restricted(d, "knock_restricted");
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: BOB } });
    },
  },
  {
    name: "knock_restricted means nothing before v10",
    expect: "join-knock-restricted-before-v10",
    run: (d) => {
      restricted(d, "knock_restricted");
      return member(d, DAVE, DAVE, "join", { content: { join_authorised_via_users_server: BOB } });
    },
  },

  // invites, third-party invites
  {
    name: "a third-party invite signed by the identity server",
    expect: "allow",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { display_name: "d", signed: signed(DAVE, "tok") });
    },
  },
  {
    name: "a third-party invite whose key is only in public_keys",
    expect: "allow",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d, "tok", {
        public_key: OTHER_KEY.verifyKey.publicKeyBase64,
        public_keys: [{ public_key: "not base64!" }, { public_key: IDENTITY_KEY.verifyKey.publicKeyBase64 }],
      });
      return invite3pid(d, ALICE, DAVE, { display_name: "d", signed: signed(DAVE, "tok") });
    },
  },
  {
    name: "a third-party invite of a banned user",
    expect: "invite-3pid-target-banned",
    run: (d) => {
      standard(d);
      d.member(ALICE, DAVE, "ban");
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { display_name: "d", signed: signed(DAVE, "tok") });
    },
  },
  {
    name: "a third-party invite without signed",
    expect: "invite-3pid-no-signed",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { display_name: "d" });
    },
  },
  {
    name: "a third-party invite whose signed has no token",
    expect: "invite-3pid-no-token",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      const { token: _t, ...rest } = signed(DAVE, "tok");
      return invite3pid(d, ALICE, DAVE, { signed: rest });
    },
  },
  {
    name: "a third-party invite for another user ID than signed",
    expect: "invite-3pid-mxid-mismatch",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { signed: signed(CHARLIE, "tok") });
    },
  },
  {
    name: "a third-party invite with an unknown token",
    expect: "invite-3pid-unknown-token",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { signed: signed(DAVE, "other") });
    },
  },
  {
    name: "a third-party invite sent by someone else than the inviter",
    expect: "invite-3pid-other-sender",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, BOB, DAVE, { signed: signed(DAVE, "tok") });
    },
  },
  {
    name: "a third-party invite signed by another key",
    expect: "invite-3pid-bad-signature",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { signed: signed(DAVE, "tok", OTHER_KEY) });
    },
  },
  {
    name: "a third-party invite whose signed block was altered",
    expect: "invite-3pid-bad-signature",
    run: (d) => {
      standard(d);
      thirdPartyInvite(d);
      return invite3pid(d, ALICE, DAVE, { signed: { ...signed(DAVE, "tok"), sender: BOB } });
    },
  },
  {
    name: "a member invites",
    expect: "allow",
    run: (d) => {
      standard(d);
      return member(d, BOB, DAVE, "invite");
    },
  },
  {
    name: "an invite from someone not in the room",
    expect: "invite-by-non-member",
    run: (d) => {
      standard(d);
      return member(d, CHARLIE, DAVE, "invite");
    },
  },
  {
    name: "inviting a joined user",
    expect: "invite-joined-user",
    run: (d) => {
      standard(d);
      return member(d, ALICE, BOB, "invite");
    },
  },
  {
    name: "inviting a banned user",
    expect: "invite-banned-user",
    run: (d) => {
      standard(d);
      d.member(ALICE, DAVE, "ban");
      return member(d, ALICE, DAVE, "invite");
    },
  },
  {
    name: "inviting below the invite level",
    expect: "invite-below-invite-level",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, invite: 50 });
      return member(d, BOB, DAVE, "invite");
    },
  },

  // leave
  {
    name: "a member leaves",
    expect: "allow",
    run: (d) => {
      standard(d);
      return member(d, BOB, BOB, "leave");
    },
  },
  {
    name: "rejecting an invite",
    expect: "allow",
    run: (d) => {
      standard(d);
      d.member(ALICE, DAVE, "invite");
      return member(d, DAVE, DAVE, "leave");
    },
  },
  {
    name: "rescinding a knock",
    expect: "allow",
    when: v.knocking,
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      d.member(DAVE, DAVE, "knock");
      return member(d, DAVE, DAVE, "leave");
    },
  },
  {
    name: "leaving a room never joined",
    expect: "leave-never-joined",
    run: (d) => {
      standard(d);
      return member(d, DAVE, DAVE, "leave");
    },
  },
  {
    name: "a banned user unbans themselves",
    expect: "leave-while-banned",
    run: (d) => {
      standard(d);
      d.member(ALICE, DAVE, "ban");
      return member(d, DAVE, DAVE, "leave");
    },
  },
  {
    name: "kicking from outside the room",
    expect: "kick-by-non-member",
    run: (d) => {
      standard(d);
      return member(d, DAVE, BOB, "leave");
    },
  },
  {
    name: "the admin kicks a member",
    expect: "allow",
    run: (d) => {
      standard(d);
      return member(d, ALICE, BOB, "leave");
    },
  },
  {
    name: "unbanning below the ban level",
    expect: "unban-below-ban-level",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100, [BOB]: 50 }, kick: 50, ban: 75 });
      d.member(ALICE, DAVE, "ban");
      return member(d, BOB, DAVE, "leave");
    },
  },
  {
    name: "unbanning at the ban level",
    expect: "allow",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100, [BOB]: 75 }, kick: 50, ban: 75 });
      d.member(ALICE, DAVE, "ban");
      return member(d, BOB, DAVE, "leave");
    },
  },
  {
    name: "kicking someone of equal power",
    expect: "kick-equal-power",
    run: (d) => {
      standard(d, [BOB, CHARLIE]);
      pl(d, ALICE, { users: { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 } });
      return member(d, BOB, CHARLIE, "leave");
    },
  },
  {
    name: "kicking below the kick level",
    expect: "kick-below-kick-level",
    run: (d) => {
      standard(d, [BOB, CHARLIE]);
      return member(d, BOB, CHARLIE, "leave");
    },
  },

  // ban
  {
    name: "the admin bans a member",
    expect: "allow",
    run: (d) => {
      standard(d);
      return member(d, ALICE, BOB, "ban");
    },
  },
  {
    name: "banning from outside the room",
    expect: "ban-by-non-member",
    run: (d) => {
      standard(d);
      return member(d, DAVE, BOB, "ban");
    },
  },
  {
    name: "banning someone more powerful",
    expect: "ban-more-powerful-user",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100, [BOB]: 50 } });
      return member(d, BOB, ALICE, "ban");
    },
  },
  {
    name: "banning below the ban level",
    expect: "ban-below-ban-level",
    run: (d) => {
      standard(d, [BOB, CHARLIE]);
      return member(d, BOB, CHARLIE, "ban");
    },
  },
  {
    name: "a creator bans an admin (v12: creators outrank every level)",
    expect: "allow",
    when: (r) => r.auth.privilegedCreators,
    run: (d) => {
      standard(d, [BOB, CHARLIE], { additional_creators: [BOB] });
      pl(d, ALICE, { users: { [CHARLIE]: 9007199254740991 } });
      return member(d, BOB, CHARLIE, "ban");
    },
  },
  {
    name: "a creator cannot ban another creator",
    expect: "ban-fellow-creator-v12",
    run: (d) => {
      standard(d, [BOB], { additional_creators: [BOB] });
      return member(d, BOB, ALICE, "ban");
    },
  },

  // knock
  {
    name: "knocking on a knock room",
    expect: "allow",
    when: v.knocking,
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      return member(d, DAVE, DAVE, "knock");
    },
  },
  {
    name: "knocking on a knock_restricted room",
    expect: "allow",
    when: (r) => r.auth.knockRestrictedJoinRule,
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock_restricted", { allow: [] });
      return member(d, DAVE, DAVE, "knock");
    },
  },
  {
    name: "knocking on a public room",
    expect: "knock-public-room",
    run: (d) => {
      standard(d);
      return member(d, DAVE, DAVE, "knock");
    },
  },
  {
    name: "knocking for someone else",
    expect: "knock-for-someone-else",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      return member(d, BOB, DAVE, "knock");
    },
  },
  {
    name: "knocking while joined",
    expect: "knock-while-joined",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      return member(d, BOB, BOB, "knock");
    },
  },
  {
    name: "knocking while banned",
    expect: "knock-while-banned",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      d.member(ALICE, DAVE, "ban");
      return member(d, DAVE, DAVE, "knock");
    },
  },
  {
    name: "knock is an unknown membership before v7",
    expect: "knock-before-v7",
    run: (d) => {
      standard(d);
      d.joinRules(ALICE, "knock");
      return member(d, DAVE, DAVE, "knock");
    },
  },
  {
    name: "an unknown membership",
    expect: "membership-unknown",
    run: (d) => {
      standard(d);
      return member(d, BOB, BOB, "dance");
    },
  },

  // other events
  {
    name: "a member sends a message",
    expect: "allow",
    run: (d) => {
      standard(d);
      return message(d, BOB);
    },
  },
  {
    name: "a message from outside the room",
    expect: "message-by-non-member",
    run: (d) => {
      standard(d);
      return message(d, DAVE);
    },
  },
  {
    name: "a third-party invite event at the invite level",
    expect: "allow",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.third_party_invite", stateKey: "t", sender: BOB, content: {} });
    },
  },
  {
    name: "a third-party invite event below the invite level",
    expect: "third-party-invite-below-invite-level",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, invite: 50 });
      return d.build({ type: "m.room.third_party_invite", stateKey: "t", sender: BOB, content: {} });
    },
  },
  {
    name: "a state event below state_default",
    expect: "state-below-required-level",
    run: (d) => {
      standard(d);
      return d.build({ type: "m.room.topic", stateKey: "", sender: BOB, content: { topic: "x" } });
    },
  },
  {
    name: "a message below its level in events",
    expect: "message-below-events-level",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, events: { "m.room.message": 10 } });
      return message(d, BOB);
    },
  },
  {
    name: "a state event keyed by another user's ID",
    expect: "state-key-of-another-user",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, state_default: 0 });
      return d.build({ type: "m.custom", stateKey: ALICE, sender: BOB, content: {} });
    },
  },
  {
    name: "a state event keyed by the sender's own ID",
    expect: "allow",
    run: (d) => {
      standard(d);
      pl(d, ALICE, { users: { [ALICE]: 100 }, state_default: 0 });
      return d.build({ type: "m.custom", stateKey: BOB, sender: BOB, content: {} });
    },
  },

  // m.room.power_levels
  {
    name: "the first power levels event",
    expect: "allow",
    run: (d) => {
      d.create(ALICE);
      d.join(ALICE);
      return d.build({
        type: "m.room.power_levels",
        stateKey: "",
        sender: ALICE,
        content: d.plContent({ users: { [ALICE]: 100, [BOB]: 100 }, ban: 100 }),
      });
    },
  },
  {
    name: "string levels before v10",
    expect: "allow",
    when: (r) => !r.auth.integerPowerLevels,
    run: (d) => {
      standard(d);
      return plEvent(d, ALICE, { users: { [ALICE]: 100, [BOB]: "50" }, ban: "50", events: { "m.room.topic": "50" } });
    },
  },
  {
    name: "a string scalar from v10",
    expect: "pl-string-scalar-from-v10",
    run: (d) => {
      standard(d);
      return plEvent(d, ALICE, { users: { [ALICE]: 100 }, ban: "50" });
    },
  },
  {
    name: "a string in events from v10",
    expect: "pl-string-in-events-from-v10",
    run: (d) => {
      standard(d);
      return plEvent(d, ALICE, { users: { [ALICE]: 100 }, events: { "m.room.topic": "50" } });
    },
  },
  {
    name: "a string user level from v10",
    expect: "pl-string-user-level-from-v10",
    run: (d) => {
      standard(d);
      return plEvent(d, ALICE, { users: { [ALICE]: 100, [BOB]: "50" } });
    },
  },
  {
    name: "users holding something that is not a user ID",
    expect: "pl-invalid-user-id",
    run: (d) => {
      standard(d);
      return plEvent(d, ALICE, { users: { [ALICE]: 100, "bob.example.com": 10 } });
    },
  },
  {
    name: "v12 power levels listing a creator",
    expect: "pl-creator-in-users-v12",
    run: (d) => {
      standard(d);
      return d.build({
        type: "m.room.power_levels",
        stateKey: "",
        sender: ALICE,
        content: { users: { [ALICE]: 100 } },
      });
    },
  },
  {
    name: "lowering a level that is above the sender",
    expect: "pl-scalar-current-above-sender",
    run: (d) => {
      moderated(d, { kick: 75 });
      return plEvent(d, BOB, modBase({ kick: 10 }));
    },
  },
  {
    name: "raising a level above the sender",
    expect: "pl-scalar-new-above-sender",
    run: (d) => {
      moderated(d, {});
      return plEvent(d, BOB, modBase({ ban: 75 }));
    },
  },
  {
    name: "changing an event level that is above the sender",
    expect: "pl-events-current-above-sender",
    run: (d) => {
      moderated(d, { events: { "m.room.name": 100 } });
      return plEvent(d, BOB, modBase({ events: { "m.room.name": 0 } }));
    },
  },
  {
    name: "adding an event level above the sender",
    expect: "pl-events-new-above-sender",
    run: (d) => {
      moderated(d, {});
      return plEvent(d, BOB, modBase({ events: { "m.room.topic": 75 } }));
    },
  },
  {
    name: "changing a notification level that is above the sender (from v6)",
    expect: "pl-notifications-current-above-sender",
    run: (d) => {
      moderated(d, { notifications: { room: 100 } });
      return plEvent(d, BOB, modBase({ notifications: { room: 0 } }));
    },
  },
  {
    name: "notification levels are not checked before v6",
    expect: "allow",
    when: (r) => !r.auth.notificationsPowerLevels,
    run: (d) => {
      moderated(d, { notifications: { room: 100 } });
      return plEvent(d, BOB, modBase({ notifications: { room: 0 } }));
    },
  },
  {
    name: "demoting someone of equal power",
    expect: "pl-users-current-not-below-sender",
    run: (d) => {
      moderated(d, {});
      return plEvent(d, BOB, modBase({}, { [CHARLIE]: 0 }));
    },
  },
  {
    name: "promoting someone above the sender",
    expect: "pl-users-new-above-sender",
    run: (d) => {
      moderated(d, {});
      return plEvent(d, BOB, modBase({}, { [DAVE]: 75 }));
    },
  },
  {
    name: "promoting someone to the sender's level and demoting oneself",
    expect: "allow",
    run: (d) => {
      moderated(d, {});
      return plEvent(d, BOB, modBase({}, { [DAVE]: 50, [BOB]: 10 }));
    },
  },
  {
    name: "a level written as a string and as a number is unchanged (v1-v9)",
    expect: "allow",
    when: (r) => !r.auth.integerPowerLevels,
    run: (d) => {
      moderated(d, { ban: "100" });
      return plEvent(d, BOB, modBase({ ban: 100 }));
    },
  },
  {
    name: "a creator sets any level (v12)",
    expect: "allow",
    when: (r) => r.auth.privilegedCreators,
    run: (d) => {
      moderated(d, { ban: 100 });
      return plEvent(d, ALICE, { users: { [BOB]: 9007199254740991 }, ban: 0, kick: 9007199254740991 });
    },
  },

  // m.room.redaction (v1-v2 rule)
  {
    name: "redacting another server's event below the redact level",
    expect: "redaction-of-other-server-below-redact-level",
    run: (d) => {
      standard(d);
      return redaction(d, BOB, "$red:example.com", "$x:remote.example");
    },
  },
  {
    name: "redacting an event of one's own server below the redact level",
    expect: "allow",
    run: (d) => {
      standard(d);
      return redaction(d, BOB, "$red:example.com", "$x:example.com");
    },
  },
  {
    name: "redacting another server's event at the redact level",
    expect: "allow",
    run: (d) => {
      standard(d);
      return redaction(d, ALICE, "$red:example.com", "$x:remote.example");
    },
  },
  {
    name: "redaction events are plain events from v3 (the redact level is checked later)",
    expect: "allow",
    when: (r) => !r.auth.specialCaseRedactionDomain,
    run: (d) => {
      standard(d);
      return redaction(d, BOB, "$red:example.com", "$x:remote.example");
    },
  },
];

// ---- helpers used by the cases ------------------------------------------------------------------

function standard(d: RoomDag, members: string[] = [BOB], createContent: Record<string, unknown> = {}): void {
  d.create(ALICE, createContent);
  d.join(ALICE, { id: "IMA" });
  d.powerLevels(ALICE, { users: { [ALICE]: 100 } }, { id: "IPOWER" });
  d.joinRules(ALICE, "public", {}, { id: "IJR" });
  for (const m of members) d.join(m);
}

function restricted(d: RoomDag, rule = "restricted"): void {
  standard(d);
  d.joinRules(ALICE, rule, { allow: [{ type: "m.room_membership", room_id: "!space:example.com" }] });
}

/** Bob is a moderator (50); Charlie has 50 too; `extra` is merged into the current power levels. */
function moderated(d: RoomDag, extra: Record<string, unknown>): void {
  standard(d, [BOB, CHARLIE]);
  d.powerLevels(ALICE, modBase(extra));
}

function modBase(extra: Record<string, unknown>, users: Record<string, number> = {}): Record<string, unknown> {
  return { users: { [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50, ...users }, ...extra };
}

function plEvent(d: RoomDag, sender: string, content: Record<string, unknown>): AuthEvent {
  return d.build({ type: "m.room.power_levels", stateKey: "", sender, content: d.plContent(content) });
}

function message(d: RoomDag, sender: string): AuthEvent {
  return d.build({ type: "m.room.message", sender, content: { body: "hi" } });
}

function redaction(d: RoomDag, sender: string, id: string, redacts: string): AuthEvent {
  return d.build({
    id,
    type: "m.room.redaction",
    sender,
    redacts,
    content: d.rules.eventFormat.redactsInContent ? { redacts } : {},
  });
}

function edge(d: RoomDag, id: string) {
  return d.rules.eventFormat.edgesAsPairs ? ([id, { sha256: "x" }] as const) : id;
}

// ---- the table ----------------------------------------------------------------------------------

describe("authorization rules, every room version", () => {
  for (const version of ALL_VERSIONS) {
    describe(`room version ${version}`, () => {
      for (const c of CASES) {
        const d0 = new RoomDag(version);
        if (c.when && !c.when(d0.rules)) continue;
        if (c.expect === "allow") {
          test(`allowed: ${c.name}`, () => {
            const d = new RoomDag(version);
            const ev = c.run(d);
            expect(checkAuthEvents(d.rules, ev, d.ctx)).toEqual({ ok: true });
          });
          continue;
        }
        const vec = vectors.cases[c.expect];
        const number = numberFor(vec.numbers, version);
        if (number === null || number === undefined) continue;
        test(`${number} ${vec.check}: ${c.name}`, () => {
          const d = new RoomDag(version);
          const ev = c.run(d);
          const r = checkAuthEvents(d.rules, ev, d.ctx);
          expect(r).toMatchObject({ ok: false, check: vec.check, rule: number });
        });
      }
    });
  }

  test("every refused case of the vectors is exercised", () => {
    const used = new Set(CASES.map((c) => c.expect));
    for (const name of Object.keys(vectors.cases)) expect(used.has(name as VectorName)).toBe(true);
  });
});
