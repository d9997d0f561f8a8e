/**
 * The only composition root: builds storage, services and the HTTP app from a config. Nothing is
 * global, so tests start several servers in one process.
 */
import { createApp } from "./api/app";
import type { ApiApp } from "./api/endpoint";
import type { Config } from "./config/schema";
import type { Services } from "./services";
import { createAccountServices } from "./services/accounts/create-account-services";
import { createAuthService } from "./services/auth/auth-service";
import { createDirectoryServices } from "./services/directory/create-directory-services";
import { createE2eeService } from "./services/e2ee/e2ee-service";
import { buildMediaService, type MediaOverrides } from "./services/media/build";
import { createProfileFieldsService } from "./services/profile-fields/profile-fields-service";
import { createPushServices } from "./services/push/create-push-services";
import { createRateLimiter } from "./services/ratelimit/rate-limiter";
import { createRoomServices } from "./services/rooms/create-room-services";
import { createRoomHistoryService } from "./services/rooms/messages-service";
import { createRedactionPruner } from "./services/rooms/pruning";
import { createSearchService } from "./services/search/search-service";
import { createSyncServices } from "./services/sync/create-sync-services";
import { createNotifier } from "./services/sync/notifier";
import { createThirdPartyService } from "./services/thirdparty/thirdparty-service";
import { type Frontend, type FrontendOptions, startFrontend } from "./services/tls/frontend";
import { createTurnService } from "./services/turn/turn-service";
import { createUserSettingsTransfer } from "./services/upgrade/user-settings-transfer";
import { createWhoisService } from "./services/whois/whois-service";
import { type Db, openDb } from "./storage/db";
import { migrate } from "./storage/migrate";
import { createAccessTokenRepo } from "./storage/repos/access-tokens";
import { checkServerName } from "./storage/repos/meta";
import { createProfileFieldRepo } from "./storage/repos/profile-fields";
import { createWhoisRepo } from "./storage/repos/whois";
import { loadOrCreateSigningKey } from "./storage/signing-key-file";
import { clientAddress } from "./util/client-ip";
import { type Clock, systemClock } from "./util/clock";
import { createLogger, type Logger } from "./util/log";
import { BUILD } from "./version";

/** How often the serving process checkpoints the database's write-ahead log (see storage/db.ts). */
const CHECKPOINT_INTERVAL_MS = 30_000;

export interface ServerOptions {
  /** SQLite path; ":memory:" for tests. Default: <dataDir>/homeserver.db */
  dbPath?: string;
  /** Absolute data directory. */
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /** Media seams: the URL preview resolver, the remote media fetcher (federation). */
  media?: MediaOverrides;
  /** Directory that relative paths in [tls] are resolved against (the config file's). Default: the working directory. */
  configDir?: string;
  /** TLS seams for tests (ACME client and timers, certificate file polling). */
  tls?: Pick<FrontendOptions, "acme" | "filesPollIntervalMs">;
}

export interface Server {
  app: ApiApp;
  services: Services;
  db: Db;
  /** Handles one request in-process (tests, and Bun.serve's fetch). */
  fetch(req: Request, clientIp?: string): Promise<Response>;
  /**
   * Starts listening as tls.mode says (plain HTTP, HTTPS from certificate files, or HTTPS with ACME
   * plus the challenge/redirect port); returns the main port and URL. Throws on a port that cannot be
   * bound and on TLS problems the operator must fix (TlsSetupError).
   */
  listen(host?: string, port?: number): { port: number; url: string };
  /** The listeners (null before listen()): TLS state, certificate reload. */
  readonly frontend: Frontend | null;
  /** SIGHUP: re-reads certificate files, or checks the ACME certificate now. */
  reloadCertificates(reason?: string): Promise<void>;
  /** Stops accepting, waits for in-flight requests, closes the database. */
  stop(): Promise<void>;
}

export function createServer(config: Config, opts: ServerOptions): Server {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.logging.level);
  const db = openDb(opts.dbPath ?? `${opts.dataDir}/homeserver.db`);
  migrate(db, undefined, clock.now());
  checkServerName(db, config.server_name);

  const tokens = createAccessTokenRepo(db);
  const rateLimiter = createRateLimiter(
    {
      enabled: config.rate_limits.enabled,
      perMinute: { login: config.rate_limits.login_per_minute, register: config.rate_limits.register_per_minute },
    },
    clock,
  );
  const account = createAccountServices({ db, config, clock, logger, rateLimiter });
  const { key: signingKey } = loadOrCreateSigningKey(`${opts.dataDir}/signing.key`);
  const notifier = createNotifier();
  const roomServices = createRoomServices({
    db,
    config,
    clock,
    logger,
    signingKey,
    profileOf: (userId) => {
      try {
        const p = account.services.profile.getProfile(userId);
        return {
          ...(p.displayname ? { displayname: p.displayname } : {}),
          ...(p.avatarUrl ? { avatar_url: p.avatarUrl } : {}),
        };
      } catch {
        return {};
      }
    },
  });
  // Push rules run first so that new notification counts are stored before /sync requests wake.
  const push = createPushServices({
    db,
    config,
    clock,
    logger,
    accountData: account.services.accountData,
    accountEvents: account.services.accountEvents,
    rooms: roomServices.rooms,
    roomInternals: roomServices.internals,
    userAgent: `Hearth/${BUILD.version} (Matrix homeserver; push)`,
  });
  roomServices.onPersisted((e) => push.onPersisted(e));
  roomServices.onPersisted((e) => notifier.notify(e.localUsersToNotify));
  const roomHistory = createRoomHistoryService({
    ...roomServices.internals,
    visibility: roomServices.rooms.visibility,
    clientContext: roomServices.rooms.clientContext,
    ignoredUsersOf: (userId) => sync.services.ignoredUsers.of(userId),
  });
  const redactionPruner = createRedactionPruner({
    db,
    ...roomServices.internals,
    clock,
    logger,
    retentionMs: config.rooms.redaction_retention_ms,
  });
  account.services.accountEvents.on("profileChanged", (e) => roomServices.rooms.membership.refreshProfile(e.userId));
  account.services.accountEvents.on("userDeactivated", (e) => roomServices.rooms.membership.leaveAll(e.userId));
  const e2ee = createE2eeService({
    db,
    serverName: config.server_name,
    clock,
    logger,
    uia: account.services.uia,
    accountEvents: account.services.accountEvents,
    toDeviceInboxLimit: config.e2ee.to_device_inbox_limit,
  });
  e2ee.onWake((userIds) => notifier.notify(userIds));
  roomServices.onPersisted((e) => {
    if (e.event.type === "m.room.member" && e.event.stateKey !== undefined) {
      e2ee.roomMembershipChanged(e.room.roomId, e.event.stateKey);
    }
  });
  const sync = createSyncServices({
    db,
    config,
    clock,
    notifier,
    rooms: roomServices.rooms,
    roomInternals: roomServices.internals,
    accounts: account.services.accounts,
    accountData: account.services.accountData,
    accountDataDefaults: (userId) => [
      { type: "m.push_rules", content: push.services.rules.pushRulesAccountData(userId) },
    ],
    filters: account.services.filters,
    unread: push.services.counter,
    onReadReceipt: (userId) => push.readReceiptsMoved(userId),
    e2ee,
  });
  push.setReadPositions((userId, roomNid) => sync.services.receipts.readPositions(userId, roomNid));
  roomServices.onPersisted((e) => sync.eventPersisted(e));
  roomServices.internals.aggregations.useIgnoredUsers((userId) => sync.services.ignoredUsers.of(userId));
  account.services.accountEvents.on("accountDataChanged", (e) => sync.accountDataChanged(e));
  const directory = createDirectoryServices({
    db,
    config,
    clock,
    logger,
    rooms: roomServices.rooms,
    internals: roomServices.internals,
    accounts: account.services.accounts,
    profile: account.services.profile,
  });
  // Room upgrades: a user's tags, m.direct entry and room push rules follow them into the new room.
  const upgradeSettings = createUserSettingsTransfer({
    isLocalUser: (userId) => userId.endsWith(`:${config.server_name}`),
    currentState: (roomId, type, stateKey) => {
      const room = roomServices.internals.rooms.byId(roomId);
      return room
        ? (roomServices.internals.store.stateView(room.currentSnapshotNid).get(type, stateKey)?.content ?? null)
        : null;
    },
    membershipOf: (roomId, userId) => roomServices.rooms.membershipOf(roomId, userId),
    membershipBefore: (e) => {
      const before = roomServices.internals.store
        .stateView(e.stored.stateBeforeNid)
        .get("m.room.member", e.event.stateKey!);
      return typeof before?.content.membership === "string" ? before.content.membership : null;
    },
    readAccountData: (userId, roomId, type) => {
      try {
        return account.services.accountData.getAccountData(userId, userId, roomId, type);
      } catch {
        return null;
      }
    },
    writeAccountData: (userId, roomId, type, content) =>
      void account.services.accountData.putServerAccountData(userId, roomId, type, content),
    pushRules: push.services.rules,
  });
  roomServices.onPersisted((e) => upgradeSettings.onPersisted(e));
  // Full-text search: events are indexed in batches after they are written, and before each search.
  const search = createSearchService({
    db,
    logger,
    rooms: roomServices.internals.rooms,
    history: roomServices.internals.history,
    store: roomServices.internals.store,
    aggregations: roomServices.internals.aggregations,
    visibility: roomServices.rooms.visibility,
    clientContext: roomServices.rooms.clientContext,
    stateOf: (viewer, roomId) => roomServices.rooms.getState(viewer, roomId),
    ignoredUsersOf: (userId) => sync.services.ignoredUsers.of(userId),
  });
  roomServices.onPersisted(() => search.eventWritten());
  const profileFields = createProfileFieldsService({
    profile: account.services.profile,
    repo: createProfileFieldRepo(db),
    serverName: config.server_name,
  });
  account.services.accountEvents.on("userDeactivated", (e) => profileFields.removeAll(e.userId));
  const whois = createWhoisService({ repo: createWhoisRepo(db), serverName: config.server_name });
  const services: Services = {
    config,
    clock,
    logger,
    build: BUILD,
    auth: createAuthService({
      tokens,
      clock,
      touchDevice: (userId, deviceId, ip, ts, userAgent) => {
        account.touchDevice(userId, deviceId, ip, ts);
        if (userAgent) whois.recordUserAgent(userId, deviceId, userAgent);
      },
      refreshTokenConfirmed: account.refreshTokenConfirmed,
    }),
    ...account.services,
    rateLimiter,
    rooms: roomServices.rooms,
    ...directory,
    notifier,
    ...sync.services,
    e2ee,
    push: push.services,
    search,
    turn: createTurnService(config.turn, clock),
    profileFields,
    whois,
    thirdParty: createThirdPartyService({
      resolveAlias: (alias) => directory.directory.resolveAlias(alias),
      userExists: (userId) => {
        try {
          account.services.profile.getProfile(userId);
          return true;
        } catch {
          return false;
        }
      },
    }),
    roomHistory,
    media: buildMediaService({
      db,
      config,
      dataDir: opts.dataDir,
      clock,
      logger,
      userAgent: `Hearth/${BUILD.version} (Matrix homeserver; URL preview)`,
      ...(opts.media ? { overrides: opts.media } : {}),
    }),
  };

  const ipOf = new WeakMap<Request, string>();
  const app = createApp(services, { clientIp: (req) => ipOf.get(req) ?? "127.0.0.1" });
  let frontend: Frontend | null = null;
  // Committed data reaches the disk within this time even when the log is far from its checkpoint size (storage/db.ts).
  let checkpointTimer: ReturnType<typeof setInterval> | null = null;

  const fetch = async (req: Request, clientIp?: string) => {
    if (clientIp) ipOf.set(req, clientIp);
    return app.hono.fetch(req);
  };

  return {
    app,
    services,
    db,
    fetch,
    listen(host = config.listen.host, port = config.listen.port) {
      frontend = startFrontend({
        config,
        dataDir: opts.dataDir,
        baseDir: opts.configDir ?? process.cwd(),
        hostname: host,
        port,
        // Media uploads stream with their own limit; JSON bodies are limited per endpoint.
        maxRequestBodySize: Math.max(1024 * 1024 * 1024, config.media.max_upload_bytes + 1024 * 1024),
        idleTimeout: 120,
        fetch: (req, srv) =>
          fetch(
            req,
            clientAddress(
              srv.requestIP(req)?.address,
              req.headers.get("x-forwarded-for"),
              config.listen.trusted_proxies,
            ),
          ),
        clock,
        logger,
        ...opts.tls,
      });
      // Background media work (the crash sweep, the periodic cleanup) runs only in the serving process,
      // never in operator commands that open the same data directory meanwhile.
      services.media.start();
      redactionPruner.start();
      push.start();
      search.start();
      checkpointTimer ??= setInterval(() => {
        try {
          db.checkpoint();
        } catch (e) {
          logger.warn("database checkpoint failed", { error: (e as Error).message });
        }
      }, CHECKPOINT_INTERVAL_MS);
      return { port: frontend.port, url: frontend.url };
    },
    get frontend() {
      return frontend;
    },
    async reloadCertificates(reason = "SIGHUP") {
      await frontend?.reload(reason);
    },
    async stop() {
      // Long-polling /sync requests return now rather than hold the shutdown for their timeout.
      sync.stop();
      if (frontend) {
        await frontend.stop();
        frontend = null;
      }
      redactionPruner.stop();
      search.stop();
      if (checkpointTimer !== null) clearInterval(checkpointTimer);
      checkpointTimer = null;
      await push.stop();
      await services.media.stop();
      db.close();
    },
  };
}
