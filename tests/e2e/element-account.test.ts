/**
 * Account life in Element, against the homeserver program (the compiled binary in CI), with
 * matrix-js-sdk clients living on /sync: the registration token checked before signing up, login
 * flows, the media upload limit, sessions (rename, sign out another one with the password), a
 * password change that signs out the other sessions (their clients learn it from their /sync), and
 * deactivation (the others see the user leave their rooms).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HttpApiEvent, type MatrixClient, type MatrixError, Preset } from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  FAST_HASHING_ENV,
  loginUser,
  registerUser,
  type SdkSession,
  sdkClient,
  serverProblems,
  startSdkClient,
  stopAll,
  until,
  within,
} from "../helpers/sdk-clients";

let hs: BinaryServer;
const clients: MatrixClient[] = [];
const uid = (name: string) => `@${name}:${hs.serverName}`;

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "token", serverName: "account.e2e.test", env: FAST_HASHING_ENV });
}, 30_000);
afterAll(async () => {
  stopAll(clients);
  await hs?.cleanup();
});

async function started(s: SdkSession): Promise<MatrixClient> {
  const c = await startSdkClient(hs.baseUrl, s);
  clients.push(c);
  return c;
}

const passwordAuth = (user: string, password: string) => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user },
  password,
});

describe("an account's life through matrix-js-sdk", () => {
  let token: string;
  let alice: MatrixClient;
  let bob: MatrixClient;

  test("Element checks the registration token before the form, then signs up with it", async () => {
    token = (await hs.cli(["token", "create", "--uses", "2"])).stdout.trim();
    const validity = async (t: string) => {
      const res = await fetch(
        `${hs.baseUrl}/_matrix/client/v1/register/m.login.registration_token/validity?token=${encodeURIComponent(t)}`,
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { valid: boolean }).valid;
    };
    expect(await validity(token)).toBe(true);
    expect(await validity("not-a-token")).toBe(false);
    alice = await started(await registerUser(hs.baseUrl, "alice", "alice password", { token }));
    bob = await started(await registerUser(hs.baseUrl, "bob", "bob password", { token }));
    expect(await validity(token)).toBe(false); // used up
  });

  test("login flows and the media upload limit", async () => {
    const anonymous = sdkClient(hs.baseUrl, { userId: "", accessToken: "", deviceId: "" });
    const flows = (await anonymous.loginFlows()).flows.map((f) => f.type);
    expect(flows).toContain("m.login.password");
    const config = await alice.getMediaConfig(true);
    expect(config["m.upload.size"]).toBeGreaterThan(0);
  });

  test("sessions: a second login appears in the list, is renamed, and is signed out with the password", async () => {
    const tablet = await loginUser(hs.baseUrl, "alice", "alice password", "TABLET");
    const tabletClient = await started(tablet);
    await alice.setDeviceDetails("TABLET", { display_name: "Kitchen tablet" });
    const devices = (await alice.getDevices()).devices;
    expect(devices.find((d) => d.device_id === "TABLET")?.display_name).toBe("Kitchen tablet");

    const loggedOut = within(
      "the tablet's client learns it was signed out",
      new Promise<MatrixError>((resolve) => tabletClient.once(HttpApiEvent.SessionLoggedOut, resolve)),
    );
    // The first call is refused with the UIA flows; Element asks for the password and repeats it.
    const first = await alice.deleteDevice("TABLET").catch((e: MatrixError) => e);
    expect((first as MatrixError).httpStatus).toBe(401);
    const session = ((first as MatrixError).data as { session: string }).session;
    await alice.deleteDevice("TABLET", { ...passwordAuth(uid("alice"), "alice password"), session });
    expect((await loggedOut).errcode).toBe("M_UNKNOWN_TOKEN");
    expect((await alice.getDevices()).devices.map((d) => d.device_id)).not.toContain("TABLET");
  });

  test("changing the password signs out the other sessions; the client that changed it stays", async () => {
    const phone = await started(await loginUser(hs.baseUrl, "bob", "bob password", "PHONE"));
    const loggedOut = within(
      "the phone's client learns it was signed out",
      new Promise<MatrixError>((resolve) => phone.once(HttpApiEvent.SessionLoggedOut, resolve)),
    );
    const first = await bob.setPassword({} as never, "bob's new password", true).catch((e: MatrixError) => e);
    const session = ((first as MatrixError).data as { session: string }).session;
    await bob.setPassword(
      { ...passwordAuth(uid("bob"), "bob password"), session } as never,
      "bob's new password",
      true,
    );
    await loggedOut;
    expect((await bob.whoami()).user_id).toBe(uid("bob"));
    const old = await loginUser(hs.baseUrl, "bob", "bob password").catch((e: MatrixError) => e);
    expect((old as MatrixError).errcode).toBe("M_FORBIDDEN");
    expect((await loginUser(hs.baseUrl, "bob", "bob's new password")).userId).toBe(uid("bob"));
  });

  test("deactivation: Bob's rooms see him leave, his profile empties, and he cannot log in", async () => {
    await bob.setDisplayName("Bob");
    const roomId = (await alice.createRoom({ preset: Preset.PublicChat, name: "Farewell" })).room_id;
    await bob.joinRoom(roomId);
    await until(
      "Alice sees Bob join",
      () => alice.getRoom(roomId)?.getMember(uid("bob"))?.membership === "join",
      20_000,
      alice,
    );
    const first = await bob.deactivateAccount(undefined, true).catch((e: MatrixError) => e);
    const session = ((first as MatrixError).data as { session: string }).session;
    await bob.deactivateAccount({ ...passwordAuth(uid("bob"), "bob's new password"), session } as never, true);
    await until(
      "Alice sees Bob leave",
      () => alice.getRoom(roomId)?.getMember(uid("bob"))?.membership === "leave",
      20_000,
      alice,
    );
    const login = await loginUser(hs.baseUrl, "bob", "bob's new password").catch((e: MatrixError) => e);
    expect((login as MatrixError).errcode).toBe("M_USER_DEACTIVATED");
    const profile = await alice.getProfileInfo(uid("bob")).catch((e: MatrixError) => e);
    expect((profile as { displayname?: string }).displayname).toBeUndefined();
  });

  test("the server logged no error", () => {
    expect(serverProblems(hs.log())).toEqual([]);
  });
});
