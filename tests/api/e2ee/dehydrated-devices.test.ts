import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { type Json, makeDevice, oneTimeKeys } from "./fixtures";
import { OlmClient, sdk } from "./olm-client";

const BASE = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";

let hs: TestServer;
const clients: OlmClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await hs.stop();
});
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

type Body = Json & Partial<MatrixErrorBody>;
const req = (s: TestServer, who: Session, method: string, path: string, body?: unknown) =>
  call<Body>(s, method, `${BASE}${path}`, { token: who.accessToken, body });
const deviceIds = async (s: TestServer, who: Session) =>
  (
    await call<{ devices: { device_id: string }[] }>(s, "GET", "/_matrix/client/v3/devices", { token: who.accessToken })
  ).body.devices
    .map((d) => d.device_id)
    .sort();

function dehydratedUpload(userId: string, deviceId: string, data = "opaque"): Json {
  const d = makeDevice(userId, deviceId);
  return {
    device_id: deviceId,
    device_data: { algorithm: "m.dehydration.v2", device_pickle: data },
    initial_device_display_name: "Dehydrated device",
    device_keys: { ...d.deviceKeys },
    one_time_keys: oneTimeKeys(d, 3),
  };
}

describe("dehydrated devices (MSC3814)", () => {
  test("upload, read back, replace and delete; the device has keys but no access token", async () => {
    const s = await server();
    const bob = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const none = await req(s, bob, "GET", "");
    expect({ status: none.status, errcode: none.body.errcode }).toEqual({ status: 404, errcode: "M_NOT_FOUND" });

    expect(await req(s, bob, "PUT", "", dehydratedUpload(bob.userId, "DEHYD1", "first"))).toEqual({
      status: 200,
      body: { device_id: "DEHYD1" },
    });
    expect((await req(s, bob, "GET", "")).body).toEqual({
      device_id: "DEHYD1",
      device_data: { algorithm: "m.dehydration.v2", device_pickle: "first" },
    });
    expect(await deviceIds(s, bob)).toEqual(["BOBPHONE", "DEHYD1"]);
    expect(s.server.services.e2ee.oneTimeKeyCounts(bob.userId, "DEHYD1")).toEqual({ signed_curve25519: 3 });
    const q = s.server.services.e2ee.keys.queryKeys(bob.userId, { [bob.userId]: [] });
    expect(Object.keys(q.device_keys[bob.userId]!)).toEqual(["DEHYD1"]);

    // A new one replaces the old one, which is gone with its keys.
    await req(s, bob, "PUT", "", dehydratedUpload(bob.userId, "DEHYD2", "second"));
    expect((await req(s, bob, "GET", "")).body.device_id).toBe("DEHYD2");
    expect(await deviceIds(s, bob)).toEqual(["BOBPHONE", "DEHYD2"]);
    expect(s.server.services.e2ee.oneTimeKeyCounts(bob.userId, "DEHYD1")).toEqual({ signed_curve25519: 0 });

    expect(await req(s, bob, "DELETE", "")).toEqual({ status: 200, body: { device_id: "DEHYD2" } });
    expect(await deviceIds(s, bob)).toEqual(["BOBPHONE"]);
    expect((await req(s, bob, "DELETE", "")).status).toBe(404);
  });

  test("bad uploads are refused and create nothing", async () => {
    const s = await server();
    const bob = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const wrongDevice = { ...dehydratedUpload(bob.userId, "DEHYD1"), device_id: "OTHER" };
    for (const [body, errcode] of [
      [wrongDevice, "M_INVALID_PARAM"], // keys for another device ID
      [dehydratedUpload(bob.userId, "BOBPHONE"), "M_INVALID_PARAM"], // an existing device
      [{ ...dehydratedUpload(bob.userId, "DEHYD1"), device_data: "text" }, "M_BAD_JSON"],
      [{ device_id: "DEHYD1" }, "M_BAD_JSON"],
    ] as const) {
      const r = await req(s, bob, "PUT", "", body);
      expect({ status: r.status, errcode: r.body.errcode }).toEqual({ status: 400, errcode });
    }
    expect(await deviceIds(s, bob)).toEqual(["BOBPHONE"]);
    expect((await req(s, bob, "GET", "")).status).toBe(404);
  });

  test("its to-device messages come in pages and are deleted once read past; only its owner reads them", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    await req(s, bob, "PUT", "", dehydratedUpload(bob.userId, "DEHYD1"));
    for (let i = 0; i < 150; i++) {
      await call(s, "PUT", `/_matrix/client/v3/sendToDevice/m.test/t${i}`, {
        token: alice.accessToken,
        body: { messages: { [bob.userId]: { DEHYD1: { i } } } },
      });
    }
    const page1 = await req(s, bob, "GET", "/DEHYD1/events");
    expect((page1.body.events as unknown[]).length).toBe(100);
    const page2 = await req(s, bob, "GET", `/DEHYD1/events?from=${page1.body.next_batch}`);
    expect((page2.body.events as { content: { i: number } }[]).map((e) => e.content.i)).toEqual(
      Array.from({ length: 50 }, (_, i) => 100 + i),
    );
    const end = await req(s, bob, "GET", `/DEHYD1/events?from=${page2.body.next_batch}`);
    expect(end.body).toEqual({ events: [] });
    // Read past: deleted.
    expect(s.server.services.e2ee.pendingToDevice(bob.userId, "DEHYD1", 0, 1000).events).toEqual([]);
    // The older POST form works the same way.
    expect((await req(s, bob, "POST", "/DEHYD1/events", {})).body).toEqual({ events: [] });

    for (const [who, path] of [
      [alice, "/DEHYD1/events"],
      [bob, "/BOBPHONE/events"],
    ] as const) {
      const r = await req(s, who, "GET", path);
      expect({ status: r.status, errcode: r.body.errcode }).toEqual({ status: 403, errcode: "M_FORBIDDEN" });
    }
    expect((await req(s, bob, "GET", "/DEHYD1/events?from=x")).status).toBe(400);
  });

  test("with the Rust crypto stack: room keys sent to the dehydrated device reach Bob's next new device", async () => {
    const s = await server();
    const aliceSession = await register(s, "alice", undefined, { deviceId: "ALICEDEV" });
    const phoneSession = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const alice = await OlmClient.create(s, aliceSession);
    const phone = await OlmClient.create(s, phoneSession);
    clients.push(alice, phone);
    for (const c of [alice, phone]) {
      await c.flush();
      await c.sync();
    }
    // Bob's phone makes a dehydrated device (signed by his self-signing key) and uploads it; the key
    // to rehydrate it stays with Bob (in secret storage, in a real client).
    await phone.bootstrapCrossSigning();
    const key = sdk.DehydratedDeviceKey.createRandomKey();
    const dehydrated = await phone.machine.dehydratedDevices().create();
    const upload = await dehydrated.keysForUpload("Dehydrated device", key);
    const { device_id: dehydratedId } = JSON.parse(await phone.http("PUT", BASE, upload.body)) as { device_id: string };

    // Alice writes to Bob (all his devices, the dehydrated one included); Bob's phone is then lost.
    const room = await call<{ room_id: string }>(s, "POST", "/_matrix/client/v3/createRoom", {
      token: aliceSession.accessToken,
      body: { preset: "private_chat", invite: [phoneSession.userId] },
    });
    const roomId = room.body.room_id;
    await call(s, "POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {
      token: phoneSession.accessToken,
      body: {},
    });
    await alice.shareRoomKey(roomId, [phoneSession.userId]);
    const eventId = await alice.sendEncrypted(roomId, "Sent while you were away", "m1");
    s.server.services.devices.deleteDevices(phoneSession.userId, ["BOBPHONE"]);

    // Bob logs in on a new device, rehydrates the dehydrated device and reads its messages.
    const laptopSession = await login(s, "bob", undefined, { deviceId: "BOBLAPTOP" });
    const laptop = await OlmClient.create(s, laptopSession);
    clients.push(laptop);
    await laptop.flush();
    const got = JSON.parse(await laptop.http("GET", BASE)) as { device_id: string; device_data: unknown };
    expect(got.device_id).toBe(dehydratedId);
    const rehydrated = await laptop.machine
      .dehydratedDevices()
      .rehydrate(key, new sdk.DeviceId(got.device_id), JSON.stringify(got.device_data));
    let from: string | undefined;
    let roomKeys = 0;
    do {
      const page = JSON.parse(
        await laptop.http("GET", `${BASE}/${encodeURIComponent(got.device_id)}/events${from ? `?from=${from}` : ""}`),
      ) as { events: unknown[]; next_batch?: string };
      if (page.events.length > 0) roomKeys += (await rehydrated.receiveEvents(JSON.stringify(page.events))).length;
      from = page.next_batch;
    } while (from !== undefined);
    expect(roomKeys).toBe(1);
    expect(await laptop.readEncrypted(roomId, eventId)).toBe("Sent while you were away");
  }, 30_000);
});
