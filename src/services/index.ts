/**
 * The Services container: everything the API layer may call. Built only by src/server.ts.
 * The API layer imports types from here, never storage or net.
 */
import type { Config } from "../config/schema";
import type { Clock } from "../util/clock";
import type { Logger } from "../util/log";
import type { AccountServices } from "./accounts/create-account-services";
import type { AuthService } from "./auth/auth-service";
import type { DirectoryServices } from "./directory/create-directory-services";
import type { E2eeService } from "./e2ee/e2ee-service";
import type { MediaService } from "./media/media-service";
import type { ProfileFieldsService } from "./profile-fields/profile-fields-service";
import type { PushServices } from "./push/create-push-services";
import type { RateLimiter } from "./ratelimit/rate-limiter";
import type { RoomHistoryService } from "./rooms/messages-service";
import type { RoomsService } from "./rooms/rooms-service";
import type { SearchService } from "./search/search-service";
import type { SyncServices } from "./sync/create-sync-services";
import type { Notifier } from "./sync/notifier";
import type { ThirdPartyService } from "./thirdparty/thirdparty-service";
import type { TurnService } from "./turn/turn-service";
import type { WhoisService } from "./whois/whois-service";

/** Who is making a request, resolved from the access token. */
export interface Requester {
  userId: string;
  deviceId: string;
  isGuest: boolean;
  isAdmin: boolean;
  /** Hash of the access token used (to log out exactly this session). */
  tokenHash: Uint8Array;
}

/** AccountServices: accounts, sessions, accountEvents, uia, registration, login, devices, profile,
 * accountData, filters, sharedSecretRegistration (see services/accounts/create-account-services.ts).
 * DirectoryServices: directory (aliases, room directory), userDirectory, reports, roomUpgrades, spaces,
 * roomAdmin (see services/directory/create-directory-services.ts).
 * SyncServices: sync, typing, receipts (and read markers), presence, tags, ignoredUsers
 * (see services/sync/create-sync-services.ts). */
export interface Services extends AccountServices, DirectoryServices, SyncServices {
  config: Config;
  clock: Clock;
  logger: Logger;
  auth: AuthService;
  rateLimiter: RateLimiter;
  /** The media repository (uploads, downloads, thumbnails, URL previews). */
  media: MediaService;
  /** Rooms: create, membership, send, state, single events. */
  rooms: RoomsService;
  /** Wakes long-polling /sync requests. */
  notifier: Notifier;
  /** End-to-end encryption: keys, cross-signing, to-device messages, device lists, key backup. */
  e2ee: E2eeService;
  /** Room history reads: /messages, /context, /members, /timestamp_to_event, /relations, /threads. */
  roomHistory: RoomHistoryService;
  /** Push notifications: push rules, counts, /notifications, pushers. */
  push: PushServices;
  /** Server-side full-text search of room events (POST /search). */
  search: SearchService;
  /** TURN credentials for calls (GET /voip/turnServer). */
  turn: TurnService;
  /** Extended profile fields: m.tz and custom keys (GET/PUT/DELETE /profile/{userId}/{keyName}). */
  profileFields: ProfileFieldsService;
  /** Third-party protocols and lookups (bridges; none yet). */
  thirdParty: ThirdPartyService;
  /** GET /admin/whois: a user's devices and their latest connections. */
  whois: WhoisService;
  /** Version string and commit, for /version endpoints. */
  build: { version: string; commit: string };
}
