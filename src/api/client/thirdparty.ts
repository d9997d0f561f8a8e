/**
 * /_matrix/client/v3/thirdparty/*: third-party protocol metadata and lookups (client-server API,
 * "Third-party Lookups"; third_party_lookup.yaml). Answered by the third-party service: no bridges yet.
 */
import { z } from "zod";
import { zRoomAlias, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zProtocol = z.object({ protocol: z.string().min(1).max(255) });
/** The protocol's own fields come as query parameters (any names). */
const zFields = z.record(z.string(), z.string());

// api/client-server/third_party_lookup.yaml
export const getProtocols = defineEndpoint({
  operationId: "getProtocols",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/protocols",
  auth: "accessToken",
});
export const getProtocolMetadata = defineEndpoint({
  operationId: "getProtocolMetadata",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/protocol/:protocol",
  auth: "accessToken",
  params: zProtocol,
});
export const queryLocationByProtocol = defineEndpoint({
  operationId: "queryLocationByProtocol",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/location/:protocol",
  auth: "accessToken",
  params: zProtocol,
  query: zFields,
});
export const queryUserByProtocol = defineEndpoint({
  operationId: "queryUserByProtocol",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/user/:protocol",
  auth: "accessToken",
  params: zProtocol,
  query: zFields,
});
export const queryLocationByAlias = defineEndpoint({
  operationId: "queryLocationByAlias",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/location",
  auth: "accessToken",
  query: z.object({ alias: zRoomAlias }),
});
export const queryUserByID = defineEndpoint({
  operationId: "queryUserByID",
  method: "GET",
  path: "/_matrix/client/v3/thirdparty/user",
  auth: "accessToken",
  query: z.object({ userid: zUserId }),
});

const withoutToken = (q: Record<string, string>) => {
  const { access_token: _token, ...fields } = q;
  return fields;
};

export function registerThirdPartyRoutes(app: ApiApp): void {
  route(app, getProtocols, ({ services }) => services.thirdParty.protocols());
  route(app, getProtocolMetadata, ({ params, services }) => services.thirdParty.protocol(params.protocol));
  // These four answer JSON arrays (location_batch / user_batch).
  route(app, queryLocationByProtocol, ({ params, query, services }) =>
    services.thirdParty.locations(params.protocol, withoutToken(query)),
  );
  route(app, queryUserByProtocol, ({ params, query, services }) =>
    services.thirdParty.users(params.protocol, withoutToken(query)),
  );
  route(app, queryLocationByAlias, ({ query, services }) => services.thirdParty.locationsForAlias(query.alias));
  route(app, queryUserByID, ({ query, services }) => services.thirdParty.usersForUserId(query.userid));
}
