import { ROOM_VERSIONS } from "../../core/rooms/versions";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

/**
 * Spec versions we advertise. Each entry is a promise to clients; the endpoints a version adds that
 * we do not serve yet answer M_UNRECOGNIZED (listed in README "What works").
 */
export const SUPPORTED_SPEC_VERSIONS = [
  "r0.6.1",
  "v1.1",
  "v1.2",
  "v1.3",
  "v1.4",
  "v1.5",
  "v1.6",
  "v1.7",
  "v1.8",
  "v1.9",
  "v1.10",
  "v1.11",
  "v1.12",
] as const;

// api/client-server/versions.yaml
export const getVersions = defineEndpoint({
  operationId: "getVersions",
  method: "GET",
  path: "/_matrix/client/versions",
  auth: "none",
});

// api/client-server/capabilities.yaml
export const getCapabilities = defineEndpoint({
  operationId: "getCapabilities",
  method: "GET",
  path: "/_matrix/client/v3/capabilities",
  auth: "accessToken",
  guestOk: true,
});

export function registerVersionRoutes(app: ApiApp): void {
  route(app, getVersions, () => ({
    versions: [...SUPPORTED_SPEC_VERSIONS],
    // Room summaries (MSC3266, stable in v1.15, which we do not claim as a whole): clients that see
    // this flag use /_matrix/client/v1/room_summary.
    // Extended profile fields at the stable path (v1.16, which we do not claim as a whole): matrix-js-sdk
    // uses /_matrix/client/v3/profile/{userId}/{keyName} when it sees this flag.
    unstable_features: { "org.matrix.msc3266": true, "uk.tcpip.msc4133.stable": true },
  }));
  route(app, getCapabilities, ({ services }) => {
    const available: Record<string, "stable" | "unstable"> = {};
    for (const v of Object.values(ROOM_VERSIONS)) available[v.id] = v.stability;
    return {
      capabilities: {
        "m.change_password": { enabled: true },
        "m.room_versions": { default: services.config.rooms.default_room_version, available },
        "m.set_displayname": { enabled: true },
        "m.set_avatar_url": { enabled: true },
        // Extended profile fields (v1.16): any key may be changed (src/api/client/profile-fields.ts).
        "m.profile_fields": { enabled: true },
        "m.3pid_changes": { enabled: false },
        "m.get_login_token": { enabled: false },
      },
    };
  });
}
