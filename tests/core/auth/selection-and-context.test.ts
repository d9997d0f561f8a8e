import { describe, expect, test } from "bun:test";
import {
  authEventsSelection,
  authTypesForEvent,
  checkAuthEvents,
  checkStateDependent,
  checkStateIndependent,
  joinAuthorisingServer,
} from "../../../src/core/auth";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";
import { ALICE, BOB, DAVE, RoomDag, standardRoom, ZARA } from "../../helpers/builders";

describe("auth events selection", () => {
  const v6 = ROOM_VERSIONS["6"];
  const v12 = ROOM_VERSIONS["12"];

  test("a message cites create, power levels and the sender's membership; v12 leaves out create", () => {
    const msg = { type: "m.room.message", sender: BOB, content: {} };
    expect(authTypesForEvent(v6, msg)).toEqual([
      ["m.room.create", ""],
      ["m.room.power_levels", ""],
      ["m.room.member", BOB],
    ]);
    expect(authTypesForEvent(v12, msg)).toEqual([
      ["m.room.power_levels", ""],
      ["m.room.member", BOB],
    ]);
  });

  test("memberships add the target, join rules, the third-party invite and the authorising member", () => {
    const invite = {
      type: "m.room.member",
      state_key: DAVE,
      sender: ALICE,
      content: { membership: "invite", third_party_invite: { signed: { mxid: DAVE, token: "abc" } } },
    };
    expect(authTypesForEvent(v6, invite)).toContainEqual(["m.room.third_party_invite", "abc"]);
    expect(authTypesForEvent(v6, invite)).toContainEqual(["m.room.member", DAVE]);
    expect(authTypesForEvent(v6, invite)).toContainEqual(["m.room.join_rules", ""]);

    const join = {
      type: "m.room.member",
      state_key: DAVE,
      sender: DAVE,
      content: { membership: "join", join_authorised_via_users_server: BOB },
    };
    expect(authTypesForEvent(ROOM_VERSIONS["8"], join)).toContainEqual(["m.room.member", BOB]);
    expect(authTypesForEvent(ROOM_VERSIONS["7"], join)).not.toContainEqual(["m.room.member", BOB]);

    const leave = { type: "m.room.member", state_key: DAVE, sender: ALICE, content: { membership: "ban" } };
    expect(authTypesForEvent(v6, leave)).not.toContainEqual(["m.room.join_rules", ""]);
    expect(authTypesForEvent(v6, { type: "m.room.create", state_key: "", sender: ALICE, content: {} })).toEqual([]);
  });

  test("selects the current events that exist, once each", () => {
    const state = new Map([
      ['["m.room.create",""]', "$c"],
      ['["m.room.member","@bob:example.com"]', "$mb"],
    ]);
    const ids = authEventsSelection(v6, { type: "m.room.message", sender: BOB, content: {} }, (t, s) =>
      state.get(JSON.stringify([t, s])),
    );
    expect(ids).toEqual(["$c", "$mb"]);
  });

  test("the builder's events pass auth in every version (selection and rules agree)", () => {
    for (const version of Object.keys(ROOM_VERSIONS) as (keyof typeof ROOM_VERSIONS)[]) {
      const d = standardRoom(version, [BOB]);
      for (const id of d.events.keys()) expect(checkAuthEvents(d.rules, d.get(id), d.ctx)).toEqual({ ok: true });
    }
  });
});

describe("state-independent context", () => {
  function restrictedJoin(signatures: Record<string, Record<string, string>>) {
    const d = standardRoom("10", [BOB, ZARA]);
    d.joinRules(ALICE, "restricted", { allow: [{ type: "m.room_membership", room_id: "!space:remote.example" }] });
    const ev = d.build({
      type: "m.room.member",
      stateKey: DAVE,
      sender: DAVE,
      content: { membership: "join", join_authorised_via_users_server: ZARA },
      signatures,
    });
    return { d, ev };
  }

  test("a restricted join signed by the authorising server passes", () => {
    const { d, ev } = restrictedJoin({ "example.com": { "ed25519:a": "x" }, "remote.example": { "ed25519:b": "y" } });
    expect(joinAuthorisingServer(d.rules, ev)).toBe("remote.example");
    expect(checkAuthEvents(d.rules, ev, d.ctx)).toEqual({ ok: true });
  });

  test("isSignedBy decides when given (signatures are verified by the receipt checks)", () => {
    const { d, ev } = restrictedJoin({
      "example.com": { "ed25519:a": "x" },
      "remote.example": { "ed25519:b": "forged" },
    });
    const r = checkStateIndependent(d.rules, ev, { ...d.ctx, isSignedBy: (_e, server) => server !== "remote.example" });
    expect(r).toMatchObject({ ok: false, check: "member.authorised_via.signature", rule: "4.2.1" });
  });
});

describe("the same event against different states", () => {
  test("allowed by its auth events, refused by a current state where the sender was banned (soft failure)", () => {
    const d = standardRoom("11", [BOB]);
    const before = d.last!;
    const msg = d.build({ type: "m.room.message", sender: BOB, content: { body: "evading" }, prev: [before] });
    d.member(ALICE, BOB, "ban", { prev: [before] });
    expect(checkAuthEvents(d.rules, msg, d.ctx)).toEqual({ ok: true });
    expect(checkStateDependent(d.rules, msg, d.authState())).toMatchObject({ ok: false, check: "sender.not_joined" });
  });

  test("auth reads content leniently: unrelated invalid fields do not reject an event", () => {
    const d = new RoomDag("11");
    d.create(ALICE, { "m.federate": "not a boolean", predecessor: 12 });
    d.join(ALICE, { content: { displayname: { not: "a string" }, avatar_url: 5 } });
    d.powerLevels(ALICE, { users: { [ALICE]: 100 }, historical: "junk", notifications: { room: 50, other: 10 } });
    const topic = d.build({ type: "m.room.topic", stateKey: "", sender: ALICE, content: { topic: ["x"] } });
    expect(checkAuthEvents(d.rules, topic, d.ctx)).toEqual({ ok: true });
  });
});
