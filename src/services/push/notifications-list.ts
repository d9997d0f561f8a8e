/**
 * `GET /notifications` (client-server API "Listing Notifications"): the events the user was notified
 * about, newest first, paginated by stream position (`next_token`), optionally only highlights, each
 * with whether a read receipt covers it.
 */
import { MatrixError } from "../../core/errors";
import type { PushNotificationRepo } from "../../storage/repos/push-notifications";
import type { NotificationCounter } from "./notification-counts";

export interface NotificationItem {
  actions: unknown[];
  event: Record<string, unknown>;
  profile_tag?: string;
  read: boolean;
  room_id: string;
  ts: number;
}

export interface NotificationsPage {
  notifications: NotificationItem[];
  next_token?: string;
}

export interface NotificationsList {
  list(
    viewer: { userId: string; deviceId: string },
    opts: { from?: string; limit?: number; only?: string },
  ): NotificationsPage;
}

export const DEFAULT_NOTIFICATIONS_LIMIT = 20;
export const MAX_NOTIFICATIONS_LIMIT = 100;

export function createNotificationsList(deps: {
  notifications: PushNotificationRepo;
  counter: NotificationCounter;
  /** The event in the client format (without room_id) as the viewer sees it now, or null when gone. */
  clientEvent(eventNid: number, viewer: { userId: string; deviceId: string }): Record<string, unknown> | null;
}): NotificationsList {
  return {
    list(viewer, opts) {
      let before: number | undefined;
      if (opts.from !== undefined) {
        if (!/^\d{1,16}$/.test(opts.from)) throw MatrixError.invalidParam("Invalid from token");
        before = Number(opts.from);
      }
      const limit = Math.min(MAX_NOTIFICATIONS_LIMIT, Math.max(1, opts.limit ?? DEFAULT_NOTIFICATIONS_LIMIT));
      const rows = deps.notifications.page(viewer.userId, {
        ...(before !== undefined ? { beforeStream: before } : {}),
        limit,
        onlyHighlight: opts.only === "highlight",
      });
      const notifications: NotificationItem[] = [];
      for (const n of rows) {
        const event = deps.clientEvent(n.eventNid, viewer);
        if (!event) continue;
        notifications.push({
          actions: n.actions,
          event,
          read: deps.counter.isRead(viewer.userId, n.roomId, n.threadId, n.streamOrdering),
          room_id: n.roomId,
          ts: n.ts,
        });
      }
      const last = rows.at(-1);
      return {
        notifications,
        ...(rows.length === limit && last ? { next_token: String(last.streamOrdering) } : {}),
      };
    },
  };
}
