import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { MatrixError } from "../../../src/core/errors";
import { sharedSecretMac } from "../../../src/services/admin/shared-secret-registration";
import { accountHarness } from "./harness";

describe("shared-secret registration", () => {
  test("the MAC is HMAC-SHA1 over nonce, user, password and admin flag joined by NUL (Synapse's format)", () => {
    const expected = createHmac("sha1", "secret").update("n\0u\0p\0admin").digest("hex");
    expect(sharedSecretMac("secret", { nonce: "n", username: "u", password: "p", admin: true })).toBe(expected);
    const notAdmin = createHmac("sha1", "secret").update("n\0u\0p\0notadmin").digest("hex");
    expect(sharedSecretMac("secret", { nonce: "n", username: "u", password: "p", admin: false })).toBe(notAdmin);
  });

  test("registers with a valid MAC; bad usernames and passwords are refused", async () => {
    const h = accountHarness({ registration: { shared_secret: "k" } });
    const ssr = h.sharedSecretRegistration;
    const reg = async (username: string, password: string) => {
      const nonce = ssr.newNonce();
      return ssr.register({
        nonce,
        username,
        password,
        admin: false,
        mac: sharedSecretMac("k", { nonce, username, password, admin: false }),
      });
    };
    const s = await reg("ops", "ops-password");
    expect(s.userId).toBe("@ops:hs1.test");
    expect(h.accounts.getUser("@ops:hs1.test")?.isAdmin).toBe(false);
    await expect(reg("ops", "ops-password")).rejects.toMatchObject({ errcode: "M_USER_IN_USE" });
    await expect(reg("bad name", "ops-password")).rejects.toMatchObject({ errcode: "M_INVALID_USERNAME" });
    await expect(reg("other", "x")).rejects.toMatchObject({ errcode: "M_WEAK_PASSWORD" });
    await expect(reg("other", "x")).rejects.toBeInstanceOf(MatrixError);
  });
});
