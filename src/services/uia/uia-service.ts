/**
 * User-interactive authentication (client-server API, "User-Interactive Authentication API").
 * A session is bound to one operation (method and path) and, for logged-in operations, to the user
 * who started it. Stages are completed in flow order; a stage already completed is not run again.
 */
import { MatrixError, UiaRequired } from "../../core/errors";
import type { Db } from "../../storage/db";
import type { UiaSessionRecord, UiaSessionRepo } from "../../storage/repos/uia-sessions";
import type { Clock } from "../../util/clock";
import { randomAlnum } from "../../util/random";
import type { AccountsService } from "../accounts/accounts-service";
import { verifyPasswordLimited } from "../accounts/password-attempts";
import type { RateLimiter } from "../ratelimit/rate-limiter";

export type StageType = "m.login.password" | "m.login.dummy" | "m.login.registration_token";

export interface UiaRequest {
  /** What the session is for, e.g. "POST /_matrix/client/v3/delete_devices". */
  operation: string;
  /** The logged-in user making the request; null for registration. */
  userId: string | null;
  /** The request body's `auth` value, as sent (undefined when absent). */
  auth: unknown;
  /** Each flow is a list of stages, completed in order. */
  flows: StageType[][];
}

export interface UiaPassed {
  sessionId: string;
  /** The registration token accepted in this session, if any. */
  registrationToken: string | null;
}

export interface UiaService {
  /**
   * Runs the stage in `auth` (if any) and returns once a whole flow is complete. Otherwise throws
   * UiaRequired (the 401 body: flows, params, session, completed, and errcode/error after a failed
   * stage), or a MatrixError for a request that cannot go on (unknown session, another operation).
   */
  authenticate(req: UiaRequest): Promise<UiaPassed>;
  /** Ends a session whose operation succeeded; call inside the operation's transaction. */
  finish(sessionId: string): void;
}

export interface UiaDeps {
  db: Db;
  sessions: UiaSessionRepo;
  accounts: AccountsService;
  rateLimiter: RateLimiter;
  clock: Clock;
  sessionLifetimeMs: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const KNOWN_STAGES = new Set<string>(["m.login.password", "m.login.dummy", "m.login.registration_token"]);

export function createUiaService(deps: UiaDeps): UiaService {
  const since = () => deps.clock.now() - deps.sessionLifetimeMs;

  const required = (
    req: UiaRequest,
    session: UiaSessionRecord,
    error?: { errcode: MatrixError["errcode"]; error: string },
  ): UiaRequired =>
    new UiaRequired({
      flows: req.flows.map((stages) => ({ stages })),
      params: {},
      session: session.sessionId,
      ...(session.completed.length > 0 ? { completed: session.completed } : {}),
      ...(error ?? {}),
    });

  const newSession = (req: UiaRequest): UiaSessionRecord => {
    const now = deps.clock.now();
    const rec: UiaSessionRecord = {
      sessionId: randomAlnum(24),
      operation: req.operation,
      userId: req.userId,
      completed: [],
      registrationToken: null,
      createdAt: now,
    };
    deps.db.tx(() => {
      deps.sessions.deleteCreatedBefore(since());
      deps.sessions.insert(rec);
    });
    return rec;
  };

  /** Flows whose first stages are exactly the completed ones, in order. */
  const openFlows = (flows: StageType[][], completed: string[]) =>
    flows.filter((f) => completed.length <= f.length && completed.every((s, i) => f[i] === s));
  const isDone = (flows: StageType[][], completed: string[]) =>
    flows.some((f) => f.length === completed.length && f.every((s, i) => completed[i] === s));

  /** Checks a password stage; returns an error for the 401 body, or null when it passed. */
  const passwordStage = async (
    req: UiaRequest,
    auth: Record<string, unknown>,
  ): Promise<{ errcode: MatrixError["errcode"]; error: string } | null> => {
    const password = auth.password;
    let who: unknown = auth.user;
    const identifier = auth.identifier;
    if (isObject(identifier)) {
      if (identifier.type !== "m.id.user") {
        return { errcode: "M_UNKNOWN", error: "Only the m.id.user identifier is supported" };
      }
      who = identifier.user;
    }
    if (typeof password !== "string" || typeof who !== "string") {
      throw MatrixError.badJson("m.login.password needs an identifier (m.id.user) and a password");
    }
    const userId = deps.accounts.resolveUser(who);
    // Another user's password never authorises this user's request.
    if (userId === null || userId !== req.userId) return { errcode: "M_FORBIDDEN", error: "Invalid password" };
    if (await verifyPasswordLimited(deps.accounts, deps.rateLimiter, userId, password)) return null;
    return { errcode: "M_FORBIDDEN", error: "Invalid password" };
  };

  return {
    async authenticate(req) {
      const auth = req.auth;
      if (auth !== undefined && auth !== null && !isObject(auth)) throw MatrixError.badJson("auth must be an object");
      let session: UiaSessionRecord;
      if (!isObject(auth)) throw required(req, newSession(req));
      if (auth.session === undefined) {
        session = newSession(req);
      } else {
        if (typeof auth.session !== "string") throw MatrixError.badJson("auth.session must be a string");
        const found = deps.sessions.select(auth.session, since());
        if (!found) throw new MatrixError(400, "M_UNKNOWN", "Unknown or expired UIA session");
        if (found.operation !== req.operation) {
          throw MatrixError.forbidden("This UIA session was started for another request");
        }
        if (found.userId !== req.userId) throw MatrixError.forbidden("This UIA session belongs to another user");
        session = found;
      }

      const type = auth.type;
      if (type !== undefined) {
        if (typeof type !== "string") throw MatrixError.badJson("auth.type must be a string");
        if (!session.completed.includes(type)) {
          const candidates = openFlows(req.flows, session.completed).map((f) => f[session.completed.length]);
          if (!KNOWN_STAGES.has(type) || !req.flows.some((f) => f.includes(type as StageType))) {
            throw required(req, session, { errcode: "M_UNRECOGNIZED", error: `Auth type ${type} is not offered here` });
          }
          if (!candidates.includes(type as StageType)) {
            throw required(req, session, {
              errcode: "M_FORBIDDEN",
              error: `Auth type ${type} is not the next stage of any flow`,
            });
          }
          if (type === "m.login.password") {
            const err = await passwordStage(req, auth);
            if (err) throw required(req, session, err);
            // The session may have moved on while the password was checked: re-read it.
            const now = deps.sessions.select(session.sessionId, since());
            if (!now) throw new MatrixError(400, "M_UNKNOWN", "Unknown or expired UIA session");
            session = now;
            if (!session.completed.includes(type)) {
              session.completed = [...session.completed, type];
              deps.sessions.updateCompleted(session.sessionId, session.completed);
            }
          } else if (type === "m.login.registration_token") {
            const token = auth.token;
            if (typeof token !== "string") throw MatrixError.badJson("m.login.registration_token needs a token");
            // One synchronous transaction: checking validity (including pending uses) and claiming
            // a pending use cannot interleave with another session doing the same.
            const ok = deps.db.tx(() => {
              if (!deps.accounts.isTokenValid(token)) return false;
              deps.sessions.setRegistrationToken(session.sessionId, token);
              session.completed = [...session.completed, type];
              deps.sessions.updateCompleted(session.sessionId, session.completed);
              return true;
            });
            if (!ok) throw required(req, session, { errcode: "M_UNAUTHORIZED", error: "Invalid registration token" });
            session.registrationToken = token;
          } else {
            session.completed = [...session.completed, type];
            deps.sessions.updateCompleted(session.sessionId, session.completed);
          }
        }
      }

      if (!isDone(req.flows, session.completed)) throw required(req, session);
      return { sessionId: session.sessionId, registrationToken: session.registrationToken };
    },

    finish(sessionId) {
      deps.sessions.delete(sessionId);
    },
  };
}
