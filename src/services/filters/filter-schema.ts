/**
 * The filter JSON of POST /user/{userId}/filter (spec definitions sync_filter, event_filter,
 * room_event_filter). Unknown fields are allowed (clients send unstable ones) and kept as sent.
 */
import { z } from "zod";
import { zRoomId, zUserId } from "../../core/ids/zod";

const strings = z.array(z.string());

export const zEventFilter = z.looseObject({
  limit: z.number().int().positive().optional(),
  types: strings.optional(),
  not_types: strings.optional(),
  senders: z.array(zUserId).optional(),
  not_senders: z.array(zUserId).optional(),
});

export const zRoomEventFilter = zEventFilter.extend({
  rooms: z.array(zRoomId).optional(),
  not_rooms: z.array(zRoomId).optional(),
  contains_url: z.boolean().optional(),
  lazy_load_members: z.boolean().optional(),
  include_redundant_members: z.boolean().optional(),
  unread_thread_notifications: z.boolean().optional(),
});

export const zSyncFilter = z.looseObject({
  event_fields: strings.optional(),
  event_format: z.enum(["client", "federation"]).optional(),
  presence: zEventFilter.optional(),
  account_data: zEventFilter.optional(),
  room: z
    .looseObject({
      rooms: z.array(zRoomId).optional(),
      not_rooms: z.array(zRoomId).optional(),
      include_leave: z.boolean().optional(),
      ephemeral: zRoomEventFilter.optional(),
      state: zRoomEventFilter.optional(),
      timeline: zRoomEventFilter.optional(),
      account_data: zRoomEventFilter.optional(),
    })
    .optional(),
});

export type SyncFilter = z.infer<typeof zSyncFilter>;
