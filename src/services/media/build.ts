/** Builds the media service from the config: repos, the content store, the thumbnailer and the preview client. */
import type { Config } from "../../config/schema";
import { type Resolver, systemResolver } from "../../net/dns";
import { createSafeHttpClient } from "../../net/http-fetch";
import { createAddressPolicy } from "../../net/ip-address";
import type { Db } from "../../storage/db";
import { createMediaRepo } from "../../storage/repos/media";
import { createUrlPreviewRepo } from "../../storage/repos/media-previews";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { createContentStore } from "./content-store";
import { createMediaService, type MediaService } from "./media-service";
import { noRemoteMedia, type RemoteMediaFetcher } from "./remote";
import { createBunImageThumbnailer } from "./thumbnailer";

export interface MediaOverrides {
  /** Name resolution for URL previews (tests map names to loopback). */
  resolver?: Resolver;
  /** Fetches media from other servers (federation); default: none, so remote media is 404. */
  remote?: RemoteMediaFetcher;
}

export function buildMediaService(args: {
  db: Db;
  config: Config;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  userAgent: string;
  overrides?: MediaOverrides;
}): MediaService {
  const { config } = args;
  const preview = config.media.url_preview;
  return createMediaService({
    serverName: config.server_name,
    config: config.media,
    rateLimitsEnabled: config.rate_limits.enabled,
    db: args.db,
    repo: createMediaRepo(args.db),
    previews: createUrlPreviewRepo(args.db),
    store: createContentStore(`${args.dataDir}/media`),
    thumbnailer: createBunImageThumbnailer(),
    remote: args.overrides?.remote ?? noRemoteMedia,
    http: preview.enabled
      ? createSafeHttpClient({
          resolver: args.overrides?.resolver ?? systemResolver,
          policy: createAddressPolicy({ allow: preview.ip_allowlist, deny: preview.ip_denylist }),
          userAgent: args.userAgent,
        })
      : null,
    clock: args.clock,
    logger: args.logger.child({ component: "media" }),
  });
}
