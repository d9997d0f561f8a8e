/**
 * Lazy-loading room members (client-server API, "Lazy-loading room members"): which member events
 * each device has been sent, per room, so that later syncs can leave out the redundant ones (unless
 * the filter sets include_redundant_members). Kept in memory, bounded; forgetting only makes the
 * server send a member event again, which the spec allows. A complete sync starts afresh.
 */
export interface LazyMembersCache {
  /** userId -> member event ID already sent to this device in this room. */
  sent(device: string, roomId: string): Map<string, string>;
  reset(device: string): void;
}

const DEVICES = 2000;
const ROOMS_PER_DEVICE = 2000;

export function createLazyMembersCache(): LazyMembersCache {
  const devices = new Map<string, Map<string, Map<string, string>>>();
  return {
    sent(device, roomId) {
      let rooms = devices.get(device);
      if (rooms) {
        devices.delete(device);
        devices.set(device, rooms);
      } else {
        if (devices.size >= DEVICES) devices.delete(devices.keys().next().value!);
        rooms = new Map();
        devices.set(device, rooms);
      }
      let members = rooms.get(roomId);
      if (!members) {
        if (rooms.size >= ROOMS_PER_DEVICE) rooms.delete(rooms.keys().next().value!);
        members = new Map();
        rooms.set(roomId, members);
      }
      return members;
    },
    reset(device) {
      devices.delete(device);
    },
  };
}
