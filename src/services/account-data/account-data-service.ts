/**
 * Account data, global and per room (client-server API, "Client Config"). Every write gets a
 * position in the account-data stream, which /sync reads with `changesSince`.
 */

import { MatrixError } from "../../core/errors";
import { parseRoomId } from "../../core/ids";
import type { AccountDataChange, AccountDataRepo } from "../../storage/repos/account-data";
import type { AccountEvents } from "../accounts/account-events";

export type { AccountDataChange };

export interface AccountDataService {
  /** `roomId` null: global. Throws 403 for another user, 405 M_BAD_JSON for server-managed types. */
  setAccountData(
    requester: string,
    userId: string,
    roomId: string | null,
    type: string,
    content: Record<string, unknown>,
  ): number;
  /** Throws 404 M_NOT_FOUND when nothing is stored. */
  getAccountData(requester: string, userId: string, roomId: string | null, type: string): Record<string, unknown>;
  /** Writes without the client-API restrictions (server-managed types such as m.fully_read, m.push_rules). */
  putServerAccountData(userId: string, roomId: string | null, type: string, content: Record<string, unknown>): number;
  /** For /sync: what changed after `since` (all of it when since is 0), oldest first. */
  changesSince(userId: string, since: number): AccountDataChange[];
  /** The newest position of the account-data stream. */
  currentPosition(): number;
}

/** Types the server manages; clients change them through their own endpoints. */
const SERVER_MANAGED_GLOBAL = new Set(["m.push_rules"]);
const SERVER_MANAGED_ROOM = new Set(["m.fully_read", "m.push_rules"]);

export function createAccountDataService(deps: { repo: AccountDataRepo; events: AccountEvents }): AccountDataService {
  const own = (requester: string, userId: string) => {
    if (requester !== userId) throw MatrixError.forbidden("Cannot access account data of other users");
  };
  const checkRoom = (roomId: string | null) => {
    if (roomId !== null && parseRoomId(roomId) === null) throw MatrixError.invalidParam("Invalid room ID");
  };
  const put = (userId: string, roomId: string | null, type: string, content: Record<string, unknown>) => {
    const streamPos = deps.repo.upsert(userId, roomId ?? "", type, JSON.stringify(content));
    deps.events.emit("accountDataChanged", { userId, roomId, type, streamPos });
    return streamPos;
  };
  return {
    setAccountData(requester, userId, roomId, type, content) {
      own(requester, userId);
      checkRoom(roomId);
      if (type.length === 0 || type.length > 255) throw MatrixError.invalidParam("Invalid account data type");
      if ((roomId === null ? SERVER_MANAGED_GLOBAL : SERVER_MANAGED_ROOM).has(type)) {
        throw new MatrixError(405, "M_BAD_JSON", `Cannot set ${type} through this API`);
      }
      return put(userId, roomId, type, content);
    },
    getAccountData(requester, userId, roomId, type) {
      own(requester, userId);
      checkRoom(roomId);
      const json = deps.repo.select(userId, roomId ?? "", type);
      if (json === null) throw MatrixError.notFound("Account data not found");
      return JSON.parse(json) as Record<string, unknown>;
    },
    putServerAccountData: put,
    changesSince: (userId, since) => deps.repo.changesSince(userId, since),
    currentPosition: () => deps.repo.maxPosition(),
  };
}
