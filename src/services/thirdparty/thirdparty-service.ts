/**
 * Third-party lookups (client-server API, "Third-party Networks"): the protocols that bridges
 * (application services) offer, and the portal rooms and users they know. This server has no
 * application services yet, so it knows no protocol: the protocol list is empty, and every question
 * about a protocol is 404 M_NOT_FOUND, as the spec answers for an unknown protocol. The reverse
 * lookups answer an empty list for a room alias or user this server knows (no bridge claims them),
 * and 404 M_NOT_FOUND for one it does not.
 */
import { MatrixError } from "../../core/errors";
import type { RoomAlias } from "../../core/ids";

/** A protocol's metadata (definitions/protocol.yaml), as an application service registers it. */
export interface ThirdPartyProtocol {
  user_fields: string[];
  location_fields: string[];
  icon: string;
  field_types: Record<string, { regexp: string; placeholder: string }>;
  instances: Record<string, unknown>[];
}

export interface ThirdPartyLocation {
  alias: string;
  protocol: string;
  fields: Record<string, unknown>;
}

export interface ThirdPartyUser {
  userid: string;
  protocol: string;
  fields: Record<string, unknown>;
}

export interface ThirdPartyService {
  protocols(): Record<string, ThirdPartyProtocol>;
  protocol(name: string): ThirdPartyProtocol;
  locations(protocol: string, fields: Record<string, string>): ThirdPartyLocation[];
  users(protocol: string, fields: Record<string, string>): ThirdPartyUser[];
  locationsForAlias(alias: RoomAlias): ThirdPartyLocation[];
  usersForUserId(userId: string): ThirdPartyUser[];
}

export function createThirdPartyService(deps: {
  /** Throws 404 M_NOT_FOUND for an alias this server cannot resolve. */
  resolveAlias(alias: RoomAlias): unknown;
  /** Throws 404 M_NOT_FOUND for a user this server does not have. */
  userExists(userId: string): boolean;
}): ThirdPartyService {
  // Filled by application services once they exist (each registers the protocols it bridges).
  const known = new Map<string, ThirdPartyProtocol>();
  const protocolOr404 = (name: string) => {
    const p = known.get(name);
    if (!p) throw MatrixError.notFound(`Unknown protocol: no bridge on this server offers ${name}`);
    return p;
  };
  return {
    protocols: () => Object.fromEntries(known),
    protocol: protocolOr404,
    locations(protocol) {
      protocolOr404(protocol);
      throw MatrixError.notFound("No portal rooms were found");
    },
    users(protocol) {
      protocolOr404(protocol);
      throw MatrixError.notFound("No users were found");
    },
    locationsForAlias(alias) {
      deps.resolveAlias(alias);
      return [];
    },
    usersForUserId(userId) {
      if (!deps.userExists(userId)) throw MatrixError.notFound("Unknown user");
      return [];
    },
  };
}
