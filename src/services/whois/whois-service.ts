/**
 * GET /admin/whois/{userId} (client-server API, "Server Administration"): a user's devices with the
 * address, time and User-Agent of each one's latest request. Allowed to the user themself and to
 * server admins. This server keeps the latest connection per device (updated at most once a minute,
 * by the auth service), so each device has one session with at most one connection.
 */
import { MatrixError } from "../../core/errors";
import type { WhoisRepo } from "../../storage/repos/whois";

/** Longest User-Agent kept (longer ones are cut). */
export const MAX_USER_AGENT_CHARS = 512;

export interface WhoisConnection {
  ip: string;
  last_seen: number;
  user_agent?: string;
}

export interface WhoisResponse {
  user_id: string;
  devices: Record<string, { sessions: { connections: WhoisConnection[] }[] }>;
}

export interface WhoisService {
  whois(requester: { userId: string; isAdmin: boolean }, userId: string): WhoisResponse;
  /** Called with each recorded request (auth service's touchDevice). */
  recordUserAgent(userId: string, deviceId: string, userAgent: string): void;
}

export function createWhoisService(deps: { repo: WhoisRepo; serverName: string }): WhoisService {
  return {
    whois(requester, userId) {
      // Authorisation first, so that nobody learns which users exist.
      if (requester.userId !== userId && !requester.isAdmin) {
        throw MatrixError.forbidden("Only server admins may look up other users");
      }
      if (!userId.endsWith(`:${deps.serverName}`)) throw MatrixError.invalidParam("Only local users can be looked up");
      if (!deps.repo.userExists(userId)) throw MatrixError.notFound("Unknown user");
      const devices: WhoisResponse["devices"] = {};
      for (const d of deps.repo.devicesOf(userId)) {
        const connections: WhoisConnection[] = [];
        if (d.lastSeenTs !== null && d.lastSeenIp !== null) {
          connections.push({
            ip: d.lastSeenIp,
            last_seen: d.lastSeenTs,
            ...(d.lastSeenUserAgent ? { user_agent: d.lastSeenUserAgent } : {}),
          });
        }
        devices[d.deviceId] = { sessions: [{ connections }] };
      }
      return { user_id: userId, devices };
    },
    recordUserAgent(userId, deviceId, userAgent) {
      deps.repo.setUserAgent(userId, deviceId, userAgent.slice(0, MAX_USER_AGENT_CHARS));
    },
  };
}
