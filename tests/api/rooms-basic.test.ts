import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
});
afterAll(() => hs.stop());

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

async function createRoom(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await hs.request("POST", "/_matrix/client/v3/createRoom", { token: user.accessToken, body });
  const out = await json(res);
  expect(res.status).toBe(200);
  return out.room_id as string;
}

describe("rooms on one server", () => {
  test("createRoom makes the spec's events, in order, with the creator joined", async () => {
    const roomId = await createRoom(alice, { name: "Lobby", topic: "Hi", preset: "public_chat" });
    expect(roomId).toMatch(/^!/);
    const res = await hs.request("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`, {
      token: alice.accessToken,
    });
    expect(res.status).toBe(200);
    const state = (await res.json()) as { type: string; state_key: string; content: Record<string, unknown> }[];
    const types = state.map((e) => e.type).sort();
    expect(types).toEqual(
      [
        "m.room.create",
        "m.room.guest_access",
        "m.room.history_visibility",
        "m.room.join_rules",
        "m.room.member",
        "m.room.name",
        "m.room.power_levels",
        "m.room.topic",
      ].sort(),
    );
    expect(state.find((e) => e.type === "m.room.join_rules")?.content).toEqual({ join_rule: "public" });
    expect(state.find((e) => e.type === "m.room.member")?.state_key).toBe(alice.userId);
    const name = await hs.request("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.name`, {
      token: alice.accessToken,
    });
    expect(await json(name)).toEqual({ name: "Lobby" });
  });

  test("a second user joins a public room, both send, the event reads back", async () => {
    const roomId = await createRoom(alice, { preset: "public_chat" });
    const r = encodeURIComponent(roomId);
    const join = await hs.request("POST", `/_matrix/client/v3/join/${r}`, { token: bob.accessToken, body: {} });
    expect(join.status).toBe(200);
    expect(await json(join)).toEqual({ room_id: roomId });
    const sent = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/t1`, {
      token: bob.accessToken,
      body: { msgtype: "m.text", body: "hello" },
    });
    expect(sent.status).toBe(200);
    const { event_id } = (await json(sent)) as { event_id: string };
    // The same transaction ID from the same device gives the same event.
    const again = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/t1`, {
      token: bob.accessToken,
      body: { msgtype: "m.text", body: "hello" },
    });
    expect(((await json(again)) as { event_id: string }).event_id).toBe(event_id);
    const got = await hs.request("GET", `/_matrix/client/v3/rooms/${r}/event/${encodeURIComponent(event_id)}`, {
      token: alice.accessToken,
    });
    expect(got.status).toBe(200);
    const ev = await json(got);
    expect(ev).toMatchObject({
      type: "m.room.message",
      sender: bob.userId,
      room_id: roomId,
      content: { body: "hello" },
    });
    expect((ev.unsigned as Record<string, unknown>).transaction_id).toBeUndefined(); // only for the sending device
  });

  test("a user not in a private room cannot send or read its state", async () => {
    const roomId = await createRoom(alice, { preset: "private_chat" });
    const r = encodeURIComponent(roomId);
    const send = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/x`, {
      token: carol.accessToken,
      body: { msgtype: "m.text", body: "intruder" },
    });
    expect(send.status).toBe(403);
    const join = await hs.request("POST", `/_matrix/client/v3/rooms/${r}/join`, { token: carol.accessToken, body: {} });
    expect(join.status).toBe(403);
    expect((await json(join)).errcode).toBe("M_FORBIDDEN");
    const state = await hs.request("GET", `/_matrix/client/v3/rooms/${r}/state`, { token: carol.accessToken });
    expect(state.status).toBe(403);
  });

  test("invite, join, kick, ban: a banned user cannot rejoin", async () => {
    const roomId = await createRoom(alice, { preset: "private_chat" });
    const r = encodeURIComponent(roomId);
    expect(
      (
        await hs.request("POST", `/_matrix/client/v3/rooms/${r}/invite`, {
          token: alice.accessToken,
          body: { user_id: bob.userId },
        })
      ).status,
    ).toBe(200);
    expect(
      (await hs.request("POST", `/_matrix/client/v3/rooms/${r}/join`, { token: bob.accessToken, body: {} })).status,
    ).toBe(200);
    // Bob (power 0) may not kick Alice.
    const kickAlice = await hs.request("POST", `/_matrix/client/v3/rooms/${r}/kick`, {
      token: bob.accessToken,
      body: { user_id: alice.userId },
    });
    expect(kickAlice.status).toBe(403);
    expect(
      (
        await hs.request("POST", `/_matrix/client/v3/rooms/${r}/ban`, {
          token: alice.accessToken,
          body: { user_id: bob.userId, reason: "spam" },
        })
      ).status,
    ).toBe(200);
    const rejoin = await hs.request("POST", `/_matrix/client/v3/rooms/${r}/join`, { token: bob.accessToken, body: {} });
    expect(rejoin.status).toBe(403);
    const joined = await json(await hs.request("GET", "/_matrix/client/v3/joined_rooms", { token: bob.accessToken }));
    expect(joined.joined_rooms).not.toContain(roomId);
  });

  test("redaction by the sender removes the content; others need the redact power level", async () => {
    const roomId = await createRoom(alice, { preset: "public_chat" });
    const r = encodeURIComponent(roomId);
    await hs.request("POST", `/_matrix/client/v3/join/${r}`, { token: bob.accessToken, body: {} });
    const sent = await json(
      await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/m1`, {
        token: alice.accessToken,
        body: { msgtype: "m.text", body: "secret" },
      }),
    );
    const id = encodeURIComponent(sent.event_id as string);
    const bobRedacts = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/redact/${id}/rd1`, {
      token: bob.accessToken,
      body: {},
    });
    expect(bobRedacts.status).toBe(403);
    const redact = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/redact/${id}/rd2`, {
      token: alice.accessToken,
      body: { reason: "oops" },
    });
    expect(redact.status).toBe(200);
    const got = await json(
      await hs.request("GET", `/_matrix/client/v3/rooms/${r}/event/${id}`, { token: bob.accessToken }),
    );
    expect(got.content).toEqual({});
    expect((got.unsigned as Record<string, unknown>).redacted_because).toMatchObject({ type: "m.room.redaction" });
  });

  test("bad input changes nothing", async () => {
    const before = await json(await hs.request("GET", "/_matrix/client/v3/joined_rooms", { token: alice.accessToken }));
    const bad = await hs.request("POST", "/_matrix/client/v3/createRoom", {
      token: alice.accessToken,
      rawBody: "{not json",
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errcode).toBe("M_NOT_JSON");
    const wrongType = await hs.request("POST", "/_matrix/client/v3/createRoom", {
      token: alice.accessToken,
      body: { name: 5 },
    });
    expect((await json(wrongType)).errcode).toBe("M_BAD_JSON");
    const badVersion = await hs.request("POST", "/_matrix/client/v3/createRoom", {
      token: alice.accessToken,
      body: { room_version: "999" },
    });
    expect(badVersion.status).toBe(400);
    expect((await json(badVersion)).errcode).toBe("M_UNSUPPORTED_ROOM_VERSION");
    const noToken = await hs.request("POST", "/_matrix/client/v3/createRoom", { body: {} });
    expect(noToken.status).toBe(401);
    const after = await json(await hs.request("GET", "/_matrix/client/v3/joined_rooms", { token: alice.accessToken }));
    expect(after.joined_rooms).toEqual(before.joined_rooms);
  });

  test("every room version can be created and used", async () => {
    for (const v of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]) {
      const roomId = await createRoom(alice, { room_version: v, preset: "public_chat", name: `v${v}` });
      const r = encodeURIComponent(roomId);
      expect(
        (await hs.request("POST", `/_matrix/client/v3/join/${r}`, { token: bob.accessToken, body: {} })).status,
      ).toBe(200);
      const sent = await hs.request("PUT", `/_matrix/client/v3/rooms/${r}/send/m.room.message/v${v}`, {
        token: bob.accessToken,
        body: { msgtype: "m.text", body: `in v${v}` },
      });
      expect(sent.status).toBe(200);
    }
  });
});

describe("account changes reach rooms", () => {
  test("a new display name is sent to every joined room; deactivation leaves them", async () => {
    const dave = createUserDirect(hs, "dave");
    const roomId = await createRoom(alice, { preset: "public_chat" });
    const r = encodeURIComponent(roomId);
    expect(
      (await hs.request("POST", `/_matrix/client/v3/join/${r}`, { token: dave.accessToken, body: {} })).status,
    ).toBe(200);
    const put = await hs.request("PUT", `/_matrix/client/v3/profile/${encodeURIComponent(dave.userId)}/displayname`, {
      token: dave.accessToken,
      body: { displayname: "Dave D" },
    });
    expect(put.status).toBe(200);
    const member = await json(
      await hs.request("GET", `/_matrix/client/v3/rooms/${r}/state/m.room.member/${encodeURIComponent(dave.userId)}`, {
        token: alice.accessToken,
      }),
    );
    expect(member).toMatchObject({ membership: "join", displayname: "Dave D" });
    hs.server.services.accounts.deactivate(dave.userId);
    const after = await json(
      await hs.request("GET", `/_matrix/client/v3/rooms/${r}/state/m.room.member/${encodeURIComponent(dave.userId)}`, {
        token: alice.accessToken,
      }),
    );
    expect(after.membership).toBe("leave");
  });
});

describe("a refused createRoom leaves nothing behind", () => {
  test("an invalid initial_state rolls the whole room back, and the next room is whole", async () => {
    const erin = createUserDirect(hs, "erin");
    const rooms = () => hs.server.db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM rooms").get()!.n;
    const before = rooms();
    const bad = await hs.request("POST", "/_matrix/client/v3/createRoom", {
      token: erin.accessToken,
      body: {
        name: "half",
        initial_state: [{ type: "m.room.member", state_key: erin.userId, content: { membership: "join" } }],
      },
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errcode).toBe("M_INVALID_ROOM_STATE");
    expect(rooms()).toBe(before);
    // Row numbers freed by the rollback are reused: cached rows of the failed room must not leak into this one.
    const roomId = await createRoom(erin, { name: "whole", preset: "private_chat" });
    const state = (await (
      await hs.request("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`, {
        token: erin.accessToken,
      })
    ).json()) as { type: string; room_id: string; content: Record<string, unknown> }[];
    expect(state.every((e) => e.room_id === roomId)).toBe(true);
    expect(state.find((e) => e.type === "m.room.name")?.content).toEqual({ name: "whole" });
    const joined = await json(await hs.request("GET", "/_matrix/client/v3/joined_rooms", { token: erin.accessToken }));
    expect(joined.joined_rooms).toEqual([roomId]);
  });
});

describe("history visibility of single events (GET /event)", () => {
  const ev = (u: TestUser, roomId: string, id: string) =>
    hs.request("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(id)}`, {
      token: u.accessToken,
    });
  const say = async (u: TestUser, roomId: string, body: string) =>
    (
      (await json(
        await hs.request("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${body}`, {
          token: u.accessToken,
          body: { msgtype: "m.text", body },
        }),
      )) as { event_id: string }
    ).event_id;
  const setVis = async (u: TestUser, roomId: string, v: string) =>
    (
      (await json(
        await hs.request(
          "PUT",
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.history_visibility`,
          {
            token: u.accessToken,
            body: { history_visibility: v },
          },
        ),
      )) as { event_id: string }
    ).event_id;

  test("shared: a user who joined later and left still sees what was sent before they joined", async () => {
    const frank = createUserDirect(hs, "frank");
    const roomId = await createRoom(alice, { preset: "public_chat" });
    const early = await say(alice, roomId, "early");
    await hs.request("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {
      token: frank.accessToken,
      body: {},
    });
    await hs.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {
      token: frank.accessToken,
      body: {},
    });
    expect((await ev(frank, roomId, early)).status).toBe(200);
    const late = await say(alice, roomId, "late");
    expect((await ev(frank, roomId, late)).status).toBe(404);
  });

  test("shared: an invited user who never joined sees nothing; invited: they see what followed the invite", async () => {
    const gina = createUserDirect(hs, "gina");
    const roomId = await createRoom(alice, { preset: "private_chat" });
    await hs.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, {
      token: alice.accessToken,
      body: { user_id: gina.userId },
    });
    const underShared = await say(alice, roomId, "shared-msg");
    expect((await ev(gina, roomId, underShared)).status).toBe(404);
    await setVis(alice, roomId, "invited");
    const underInvited = await say(alice, roomId, "invited-msg");
    expect((await ev(gina, roomId, underInvited)).status).toBe(200);
  });

  test("a change of visibility is visible when the setting before or after allows it", async () => {
    const hank = createUserDirect(hs, "hank");
    const roomId = await createRoom(alice, { preset: "private_chat" });
    // Hank is not a member: he may read only while the room is world-readable.
    const toWorld = await setVis(alice, roomId, "world_readable");
    const open = await say(alice, roomId, "open");
    const back = await setVis(alice, roomId, "joined");
    const closed = await say(alice, roomId, "closed");
    expect((await ev(hank, roomId, toWorld)).status).toBe(200);
    expect((await ev(hank, roomId, open)).status).toBe(200);
    expect((await ev(hank, roomId, back)).status).toBe(200);
    expect((await ev(hank, roomId, closed)).status).toBe(404);
  });
});

describe("room IDs", () => {
  test("the same user creating identical v12 rooms in the same millisecond gets two rooms", async () => {
    const clock = {
      t: 1_800_000_000_000,
      now() {
        return this.t;
      },
    };
    const frozen = await startTestServer({ clock });
    try {
      const u = createUserDirect(frozen, "ivy");
      const make = async () =>
        (
          await frozen.request("POST", "/_matrix/client/v3/createRoom", {
            token: u.accessToken,
            body: { room_version: "12" },
          })
        ).json() as Promise<{ room_id?: string; errcode?: string }>;
      const a = await make();
      const b = await make();
      expect(a.room_id).toBeDefined();
      expect(b.room_id).toBeDefined();
      expect(a.room_id).not.toBe(b.room_id);
    } finally {
      await frozen.stop();
    }
  });
});
