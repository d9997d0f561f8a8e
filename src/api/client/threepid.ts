/**
 * Third-party identifiers (client-server API, "Adding Account Administrative Contact Information").
 * This server keeps no 3PIDs and sends no e-mail or SMS, so the list is empty, validation requests
 * are denied, and there is never anything to delete or unbind.
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { type ApiApp, defineEndpoint, route } from "../endpoint";
import { threepidDenied } from "./register";
import { zEmailValidation, zMsisdnValidation } from "./threepid-schemas";

export const getAccount3PIDs = defineEndpoint({
  operationId: "getAccount3PIDs",
  method: "GET",
  path: "/_matrix/client/v3/account/3pid",
  auth: "accessToken",
});
export const add3PID = defineEndpoint({
  operationId: "add3PID",
  method: "POST",
  path: "/_matrix/client/v3/account/3pid/add",
  auth: "accessToken",
  body: z.object({ auth: z.unknown().optional(), client_secret: z.string(), sid: z.string() }),
});
export const delete3pidFromAccount = defineEndpoint({
  operationId: "delete3pidFromAccount",
  method: "POST",
  path: "/_matrix/client/v3/account/3pid/delete",
  auth: "accessToken",
  body: z.object({ medium: z.enum(["email", "msisdn"]), address: z.string(), id_server: z.string().optional() }),
});
export const unbind3pidFromAccount = defineEndpoint({
  operationId: "unbind3pidFromAccount",
  method: "POST",
  path: "/_matrix/client/v3/account/3pid/unbind",
  auth: "accessToken",
  body: z.object({ medium: z.enum(["email", "msisdn"]), address: z.string(), id_server: z.string().optional() }),
});
export const requestTokenTo3PIDEmail = defineEndpoint({
  operationId: "requestTokenTo3PIDEmail",
  method: "POST",
  path: "/_matrix/client/v3/account/3pid/email/requestToken",
  auth: "none",
  body: zEmailValidation,
});
export const requestTokenTo3PIDMSISDN = defineEndpoint({
  operationId: "requestTokenTo3PIDMSISDN",
  method: "POST",
  path: "/_matrix/client/v3/account/3pid/msisdn/requestToken",
  auth: "none",
  body: zMsisdnValidation,
});
export const requestTokenToResetPasswordEmail = defineEndpoint({
  operationId: "requestTokenToResetPasswordEmail",
  method: "POST",
  path: "/_matrix/client/v3/account/password/email/requestToken",
  auth: "none",
  body: zEmailValidation,
});
export const requestTokenToResetPasswordMSISDN = defineEndpoint({
  operationId: "requestTokenToResetPasswordMSISDN",
  method: "POST",
  path: "/_matrix/client/v3/account/password/msisdn/requestToken",
  auth: "none",
  body: zMsisdnValidation,
});

export function registerThreepidRoutes(app: ApiApp): void {
  route(app, getAccount3PIDs, () => ({ threepids: [] }));
  route(app, add3PID, () => {
    // No validation session can exist: this server never starts one.
    throw new MatrixError(400, "M_THREEPID_AUTH_FAILED", "No such validation session");
  });
  route(app, delete3pidFromAccount, () => ({ id_server_unbind_result: "success" }));
  route(app, unbind3pidFromAccount, () => ({ id_server_unbind_result: "success" }));
  route(app, requestTokenTo3PIDEmail, () => {
    throw threepidDenied();
  });
  route(app, requestTokenTo3PIDMSISDN, () => {
    throw threepidDenied();
  });
  // Spec: M_THREEPID_NOT_FOUND when no account has the address (none has any here).
  route(app, requestTokenToResetPasswordEmail, () => {
    throw new MatrixError(400, "M_THREEPID_NOT_FOUND", "No account has that e-mail address");
  });
  route(app, requestTokenToResetPasswordMSISDN, () => {
    throw new MatrixError(400, "M_THREEPID_NOT_FOUND", "No account has that phone number");
  });
}
