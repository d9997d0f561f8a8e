/**
 * Pushers (client-server API "Push Notifications", `GET /pushers` and `POST /pushers/set`): where a
 * user's notifications are delivered. Only the `http` kind exists here; `email` needs an e-mail
 * sender this server does not have. A pusher belongs to the device whose session set it and is
 * removed with that device, and with the account when it is deactivated.
 */
import { MatrixError } from "../../core/errors";
import type { PusherRepo, PusherRow } from "../../storage/repos/pushers";
import type { Clock } from "../../util/clock";

export const NOTIFY_PATH = "/_matrix/push/v1/notify";

/** The body of `POST /pushers/set` after JSON parsing (every field still to be checked). */
export interface SetPusherRequest {
  kind: string | null;
  app_id: string;
  pushkey: string;
  app_display_name?: string;
  device_display_name?: string;
  profile_tag?: string;
  lang?: string;
  data?: Record<string, unknown>;
  append?: boolean;
}

export interface PusherJson {
  pushkey: string;
  kind: string;
  app_id: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag?: string;
  lang: string;
  data: Record<string, unknown>;
}

export interface PushersService {
  list(userId: string): PusherJson[];
  set(requester: { userId: string; deviceId: string }, req: SetPusherRequest): void;
  removeForDevices(userId: string, deviceIds: readonly string[]): void;
  removeForUser(userId: string): void;
}

export interface PushersDeps {
  pushers: PusherRepo;
  clock: Clock;
  allowHttp: boolean;
  /** Where new pushers start: the newest notification position now (they get only later ones). */
  currentPosition(): number;
  /** Told after pushers of a user were added, changed or removed. */
  changed(userId: string): void;
}

export function pusherJson(p: PusherRow): PusherJson {
  return {
    pushkey: p.pushkey,
    kind: p.kind,
    app_id: p.appId,
    app_display_name: p.appDisplayName,
    device_display_name: p.deviceDisplayName,
    ...(p.profileTag !== null ? { profile_tag: p.profileTag } : {}),
    lang: p.lang,
    data: p.data,
  };
}

function checkUrl(data: Record<string, unknown>, allowHttp: boolean): void {
  if (data.url === undefined) throw new MatrixError(400, "M_MISSING_PARAM", "Missing parameters: data.url");
  if (typeof data.url !== "string") throw MatrixError.invalidParam("data.url must be a string");
  let url: URL;
  try {
    url = new URL(data.url);
  } catch {
    throw MatrixError.invalidParam("data.url is not a valid URL");
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    throw MatrixError.invalidParam(allowHttp ? "data.url must be an http(s) URL" : "data.url must be an https URL");
  }
  if (url.username || url.password) throw MatrixError.invalidParam("data.url must not carry credentials");
  if (url.pathname !== NOTIFY_PATH) throw MatrixError.invalidParam(`data.url must have the path ${NOTIFY_PATH}`);
  if (data.format !== undefined && data.format !== "event_id_only") {
    throw MatrixError.invalidParam('data.format must be "event_id_only" or absent');
  }
}

export function createPushersService(deps: PushersDeps): PushersService {
  return {
    list: (userId) => deps.pushers.ofUser(userId).map(pusherJson),
    set(requester, req) {
      if (req.app_id === "" || req.app_id.length > 64) {
        throw MatrixError.invalidParam("app_id must be 1 to 64 characters");
      }
      const keyBytes = Buffer.byteLength(req.pushkey, "utf8");
      if (keyBytes === 0 || keyBytes > 512) throw MatrixError.invalidParam("pushkey must be 1 to 512 bytes");
      if (req.kind === null) {
        if (deps.pushers.delete(requester.userId, req.app_id, req.pushkey)) deps.changed(requester.userId);
        return;
      }
      if (req.kind === "email") {
        throw MatrixError.invalidParam("E-mail pushers are not supported: this server does not send e-mail");
      }
      if (req.kind !== "http") throw MatrixError.invalidParam(`Unknown pusher kind: ${req.kind}`);
      const missing = (["app_display_name", "device_display_name", "lang", "data"] as const).filter(
        (k) => req[k] === undefined,
      );
      if (missing.length > 0)
        throw new MatrixError(400, "M_MISSING_PARAM", `Missing parameters: ${missing.join(", ")}`);
      checkUrl(req.data!, deps.allowHttp);
      deps.pushers.upsert(
        {
          userId: requester.userId,
          deviceId: requester.deviceId,
          kind: req.kind,
          appId: req.app_id,
          pushkey: req.pushkey,
          appDisplayName: req.app_display_name!,
          deviceDisplayName: req.device_display_name!,
          profileTag: req.profile_tag ?? null,
          lang: req.lang!,
          data: req.data!,
          createdAt: deps.clock.now(),
        },
        deps.currentPosition(),
      );
      if (req.append !== true) {
        for (const other of deps.pushers.deleteForOtherUsers(req.app_id, req.pushkey, requester.userId)) {
          deps.changed(other);
        }
      }
      deps.changed(requester.userId);
    },
    removeForDevices(userId, deviceIds) {
      for (const d of deviceIds) deps.pushers.deleteForDevice(userId, d);
      deps.changed(userId);
    },
    removeForUser(userId) {
      deps.pushers.deleteForUser(userId);
      deps.changed(userId);
    },
  };
}
