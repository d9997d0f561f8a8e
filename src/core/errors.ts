/**
 * The Matrix error model. Status codes are data here; nothing in core knows about HTTP libraries.
 * Body shape: `{ errcode, error, ...extra }` (client-server API, "Standard error response").
 */

export type ErrCode =
  | "M_BAD_ALIAS"
  | "M_BAD_JSON"
  | "M_BAD_STATE"
  | "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM"
  | "M_CAPTCHA_INVALID"
  | "M_CANNOT_OVERWRITE_MEDIA"
  | "M_CAPTCHA_NEEDED"
  | "M_CONSENT_NOT_GIVEN"
  | "M_DUPLICATE_ANNOTATION"
  | "M_EXCLUSIVE"
  | "M_FORBIDDEN"
  | "M_GUEST_ACCESS_FORBIDDEN"
  | "M_INCOMPATIBLE_ROOM_VERSION"
  | "M_INVALID_PARAM"
  | "M_INVALID_ROOM_STATE"
  | "M_INVALID_SIGNATURE"
  | "M_INVALID_USERNAME"
  | "M_KEY_TOO_LARGE"
  | "M_LIMIT_EXCEEDED"
  | "M_MISSING_PARAM"
  | "M_MISSING_TOKEN"
  | "M_NOT_FOUND"
  | "M_NOT_JSON"
  | "M_NOT_YET_UPLOADED"
  | "M_PROFILE_TOO_LARGE"
  | "M_RESOURCE_LIMIT_EXCEEDED"
  | "M_ROOM_IN_USE"
  | "M_SERVER_NOT_TRUSTED"
  | "M_THREEPID_AUTH_FAILED"
  | "M_THREEPID_DENIED"
  | "M_THREEPID_IN_USE"
  | "M_THREEPID_MEDIUM_NOT_SUPPORTED"
  | "M_THREEPID_NOT_FOUND"
  | "M_TOO_LARGE"
  | "M_UNAUTHORIZED"
  | "M_UNKNOWN"
  | "M_UNKNOWN_POS"
  | "M_UNKNOWN_TOKEN"
  | "M_UNRECOGNIZED"
  | "M_UNSUPPORTED_ROOM_VERSION"
  | "M_USER_DEACTIVATED"
  | "M_USER_IN_USE"
  | "M_USER_LOCKED"
  | "M_USER_SUSPENDED"
  | "M_WEAK_PASSWORD"
  | "M_WRONG_ROOM_KEYS_VERSION";

export type ErrorBody = { errcode: string; error: string } & Record<string, unknown>;

export class MatrixError extends Error {
  readonly status: number;
  readonly errcode: ErrCode;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(status: number, errcode: ErrCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "MatrixError";
    this.status = status;
    this.errcode = errcode;
    this.extra = extra;
  }

  toJSON(): ErrorBody {
    return { ...this.extra, errcode: this.errcode, error: this.message };
  }

  static forbidden(message = "Forbidden"): MatrixError {
    return new MatrixError(403, "M_FORBIDDEN", message);
  }
  static notFound(message = "Not found"): MatrixError {
    return new MatrixError(404, "M_NOT_FOUND", message);
  }
  static unrecognized(message = "Unrecognized request", status = 404): MatrixError {
    return new MatrixError(status, "M_UNRECOGNIZED", message);
  }
  static badJson(message: string): MatrixError {
    return new MatrixError(400, "M_BAD_JSON", message);
  }
  static notJson(message = "Content not JSON"): MatrixError {
    return new MatrixError(400, "M_NOT_JSON", message);
  }
  static invalidParam(message: string): MatrixError {
    return new MatrixError(400, "M_INVALID_PARAM", message);
  }
  static missingParam(message: string): MatrixError {
    return new MatrixError(400, "M_MISSING_PARAM", message);
  }
  static missingToken(): MatrixError {
    return new MatrixError(401, "M_MISSING_TOKEN", "Missing access token");
  }
  static unknownToken(softLogout = false, message = "Unknown or expired access token"): MatrixError {
    return new MatrixError(401, "M_UNKNOWN_TOKEN", message, { soft_logout: softLogout });
  }
  static tooLarge(message = "Request body too large"): MatrixError {
    return new MatrixError(413, "M_TOO_LARGE", message);
  }
  static limitExceeded(retryAfterMs: number): MatrixError {
    return new MatrixError(429, "M_LIMIT_EXCEEDED", "Too many requests", { retry_after_ms: retryAfterMs });
  }
  static unknown(message = "Internal server error", status = 500): MatrixError {
    return new MatrixError(status, "M_UNKNOWN", message);
  }
}

/** Raised for a request that must go through (more) user-interactive authentication. Rendered as 401. */
export interface UiaFlow {
  stages: string[];
}
export class UiaRequired extends Error {
  readonly status = 401;
  constructor(
    readonly body: {
      flows: UiaFlow[];
      params: Record<string, unknown>;
      session: string;
      completed?: string[];
      errcode?: ErrCode;
      error?: string;
    },
  ) {
    super(body.error ?? "User-interactive authentication required");
    this.name = "UiaRequired";
  }
}
