/**
 * The device-list stream (client-server API, "Tracking the device list for a user" and the
 * `device_lists` extension to /sync). Every change gets a position: a user's devices or keys
 * changed, a user signed someone's master key (seen only by the signer), or a user's membership
 * changed so that others start or stop sharing a room with them.
 */
import type { Db } from "../../storage/db";
import type { DeviceListRepo } from "../../storage/repos/e2ee-device-lists";
import type { E2eeStreamRepo } from "../../storage/repos/e2ee-streams";

export interface DeviceListChanges {
  /** Users to re-query: their devices or keys changed, or they now share a room with the viewer. */
  changed: string[];
  /** Users the viewer no longer shares any room with. */
  left: string[];
}

export interface DeviceListTracker {
  /** The user's devices, device keys or cross-signing keys changed. Returns the new position. */
  userChanged(userId: string): number;
  /** `viewer` signed these users' master keys: only `viewer`'s devices hear of it. */
  privateChange(viewer: string, targets: readonly string[]): number;
  /**
   * A user's membership in a room may have changed (call after it is stored). The current
   * membership is read from the rooms tables; only becoming joined or ceasing to be joined is
   * recorded (a profile change, an invite or a rejected invite are not).
   */
  membershipChanged(roomId: string, userId: string): void;
  /** What `viewer` should hear of between two positions of the stream. */
  changes(viewer: string, sincePos: number, toPos: number): DeviceListChanges;
  head(): number;
}

export interface DeviceListDeps {
  db: Db;
  repo: DeviceListRepo;
  streams: E2eeStreamRepo;
  /** Wakes the long-polling syncs of these users (called after commit). */
  wake(userIds: string[]): void;
}

export function createDeviceListTracker(deps: DeviceListDeps): DeviceListTracker {
  const { db, repo, streams } = deps;

  return {
    userChanged(userId) {
      return db.tx(() => {
        const pos = streams.allocate("device_lists");
        repo.upsertChange(userId, pos);
        const audience = new Set(repo.usersSharingRoomWith(userId));
        audience.add(userId);
        db.afterCommit(() => deps.wake([...audience]));
        return pos;
      });
    },

    privateChange(viewer, targets) {
      return db.tx(() => {
        const pos = streams.allocate("device_lists");
        for (const t of new Set(targets)) repo.upsertPrivateChange(viewer, t, pos);
        db.afterCommit(() => deps.wake([viewer]));
        return pos;
      });
    },

    membershipChanged(roomId, userId) {
      db.tx(() => {
        const membership = repo.currentMembership(roomId, userId) ?? "leave";
        const joined = membership === "join";
        if ((repo.recordedMembership(roomId, userId) === "join") === joined) return;
        const pos = streams.allocate("device_lists");
        repo.upsertRoomChange(roomId, userId, membership, pos);
        const audience = new Set(repo.joinedMembers(roomId));
        audience.add(userId);
        db.afterCommit(() => deps.wake([...audience]));
      });
    },

    changes(viewer, sincePos, _toPos) {
      // Positions after `toPos` are reported too: `changed` and `left` only make clients re-query,
      // so hearing of a change twice is harmless, and missing one is not.
      const changed = new Set<string>(repo.changedSince(viewer, sincePos));
      for (const t of repo.privateChangedSince(viewer, sincePos)) changed.add(t);
      const maybeLeft = new Set<string>();
      for (const rc of repo.roomChangesOfUserSince(viewer, sincePos)) {
        if (rc.membership === "join") {
          for (const m of repo.joinedMembers(rc.roomId)) if (m !== viewer) changed.add(m);
        } else {
          for (const m of repo.joinedMembers(rc.roomId)) maybeLeft.add(m);
          for (const m of repo.usersChangedInRoomSince(rc.roomId, sincePos)) maybeLeft.add(m);
        }
      }
      for (const rc of repo.roomChangesInJoinedRoomsSince(viewer, sincePos)) {
        if (rc.membership === "join") changed.add(rc.userId);
        else maybeLeft.add(rc.userId);
      }
      const left: string[] = [];
      for (const u of maybeLeft) {
        if (u === viewer || repo.sharesRoom(viewer, u)) continue;
        left.push(u);
        changed.delete(u);
      }
      return { changed: [...changed].sort(), left: left.sort() };
    },

    head: () => streams.head("device_lists"),
  };
}
