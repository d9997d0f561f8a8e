/** GET /_matrix/client/v3/voip/turnServer: TURN credentials for calls (client-server API, "Voice over IP"). */
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/voip.yaml
export const getTurnServer = defineEndpoint({
  operationId: "getTurnServer",
  method: "GET",
  path: "/_matrix/client/v3/voip/turnServer",
  auth: "accessToken",
  // Guests are let through here and refused by the service unless turn.allow_guests.
  guestOk: true,
});

export function registerVoipRoutes(app: ApiApp): void {
  // Without a TURN server the answer is an empty object, as Synapse gives: clients (matrix-js-sdk)
  // then place calls without TURN, where an error would make them retry and warn.
  route(app, getTurnServer, ({ user, services }) => services.turn.credentials(user.userId, user.isGuest) ?? {});
}
