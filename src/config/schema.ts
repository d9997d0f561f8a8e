/**
 * The whole configuration as one zod schema. Every option has a default or is required, and every
 * option has a description: `scripts/gen-config-example.ts` renders `config.example.toml` from it and
 * the wizard writes `homeserver.toml` with the same comments.
 */
import { z } from "zod";

const zServerName = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^(?:\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Za-z.-]{1,255})(?::[0-9]{1,5})?$/,
    "must be a DNS name or IP literal with an optional port, e.g. example.org",
  );

const zHostPort = z.strictObject({
  host: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe("Address to listen on. 0.0.0.0 for all IPv4 addresses, :: for all addresses."),
  port: z.number().int().min(0).max(65535).default(8008).describe("TCP port for the client and federation APIs."),
  trusted_proxies: z
    .array(z.union([z.ipv4(), z.ipv6()]))
    .default(["127.0.0.1", "::1"])
    .describe(
      "Addresses of reverse proxies whose X-Forwarded-For header names the real client (for rate limits, logs and devices' last-seen address). Requests from other addresses are taken at face value.",
    ),
});

export const configSchema = z.strictObject({
  server_name: zServerName.describe(
    "The server name: the part after the colon in user IDs (@alice:example.org). It can never change once users exist.",
  ),
  public_base_url: z
    .url({
      protocol: /^https?$/,
      // undefined: fall through to the loader's "required option is missing".
      error: (issue) =>
        issue.input === undefined ? undefined : "must be an http:// or https:// URL, e.g. https://matrix.example.org",
    })
    .describe("The URL clients use to reach this server, e.g. https://matrix.example.org. Served in .well-known."),
  data_dir: z
    .string()
    .min(1)
    .default("./data")
    .describe("Directory for the database, signing key, media and certificates. Relative to the config file."),
  listen: zHostPort.prefault({}).describe("Where the HTTP server listens."),
  tls: z
    .strictObject({
      mode: z
        .enum(["acme", "files", "reverse-proxy"])
        .default("reverse-proxy")
        .describe(
          "acme: obtain certificates automatically (needs ports 80 and 443); files: use cert_file and key_file; reverse-proxy: plain HTTP behind nginx/Caddy.",
        ),
      cert_file: z
        .string()
        .default("")
        .describe(
          "PEM certificate chain, the server's certificate first (mode = files). Relative to the config file. Re-read when it changes, and on SIGHUP.",
        ),
      key_file: z
        .string()
        .default("")
        .describe("PEM private key of that certificate, unencrypted (mode = files). Relative to the config file."),
      acme_email: z
        .string()
        .default("")
        .describe("Contact e-mail given to the ACME certificate authority (mode = acme)."),
      acme_directory_url: z
        .url()
        .default("https://acme-v02.api.letsencrypt.org/directory")
        .describe("ACME directory URL (mode = acme)."),
      acme_domains: z
        .array(
          z
            .string()
            .regex(
              /^(?=.*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i,
              "must be a DNS name such as matrix.example.org (no wildcards, no IP addresses)",
            ),
        )
        .default([])
        .describe(
          "Names the ACME certificate covers (mode = acme). Empty: the host of public_base_url. Add the server name when it points at this machine too, so that this server can answer https://<server name>/.well-known/matrix/*.",
        ),
      acme_ca_file: z
        .string()
        .default("")
        .describe(
          "PEM file of CA certificates to trust when talking to the ACME directory: a private CA such as step-ca (mode = acme). Empty: the system's trusted CAs. Relative to the config file.",
        ),
      http_port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(80)
        .describe("Port answering ACME HTTP-01 challenges and redirecting to HTTPS (mode = acme)."),
    })
    // On the section (not the root) so these are reported together with problems elsewhere in the file.
    .superRefine((tls, ctx) => {
      if (tls.mode === "files") {
        if (!tls.cert_file)
          ctx.addIssue({ code: "custom", path: ["cert_file"], message: "required when tls.mode is files" });
        if (!tls.key_file)
          ctx.addIssue({ code: "custom", path: ["key_file"], message: "required when tls.mode is files" });
      }
      if (tls.mode === "acme" && !tls.acme_email.includes("@")) {
        ctx.addIssue({
          code: "custom",
          path: ["acme_email"],
          message: "an e-mail address is required when tls.mode is acme",
        });
      }
    })
    .prefault({})
    .describe("TLS settings."),
  well_known: z
    .strictObject({
      serve: z.boolean().default(true).describe("Serve /.well-known/matrix/client and /.well-known/matrix/server."),
      server: z
        .string()
        .default("")
        .describe(
          "The host:port other servers should connect to (the m.server of /.well-known/matrix/server). Empty: the host of public_base_url with port 443.",
        ),
    })
    .prefault({})
    .describe("Discovery documents."),
  registration: z
    .strictObject({
      mode: z
        .enum(["closed", "token", "open"])
        .default("closed")
        .describe(
          "closed: only the operator adds users; token: registration needs a token (`homeserver token create`); open: anyone can register.",
        ),
      shared_secret: z
        .string()
        .default("")
        .describe(
          "Secret for shared-secret admin registration (/_synapse/admin/v1/register). Empty: disabled. Env: HEARTH_REGISTRATION__SHARED_SECRET.",
        ),
      guest_access: z.boolean().default(false).describe("Allow guest accounts (kind=guest registration)."),
      min_password_length: z.number().int().min(1).max(1024).default(8).describe("Minimum length of a new password."),
    })
    .prefault({})
    .describe("Who can create accounts."),
  auth: z
    .strictObject({
      refresh_tokens: z
        .boolean()
        .default(true)
        .describe("Issue refresh tokens to clients that ask for them (refresh_token: true at login)."),
      access_token_lifetime_ms: z
        .number()
        .int()
        .min(60_000)
        .default(3_600_000)
        .describe("Lifetime of an access token that comes with a refresh token, in milliseconds."),
      argon2_memory_kib: z
        .number()
        .int()
        .min(1024)
        .max(1_048_576)
        .default(65_536)
        .describe(
          "Memory per password hash (argon2id), in KiB. Lower it on very small machines; existing hashes keep working.",
        ),
      argon2_iterations: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(2)
        .describe("Passes over that memory per password hash (argon2id)."),
    })
    .prefault({})
    .describe("Access tokens and sessions."),
  rate_limits: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Apply the rate limits below."),
      login_per_minute: z
        .number()
        .int()
        .min(1)
        .default(30)
        .describe("Login attempts allowed per minute, per client address and per account."),
      register_per_minute: z
        .number()
        .int()
        .min(1)
        .default(10)
        .describe("Registration attempts allowed per minute, per client address."),
    })
    .prefault({})
    .describe("Rate limits on login and registration."),
  limits: z
    .strictObject({
      max_request_bytes: z
        .number()
        .int()
        .min(1024)
        .default(1_048_576)
        .describe("Largest JSON request body accepted, in bytes (media uploads have their own limit)."),
    })
    .prefault({})
    .describe("Request limits."),
  rooms: z
    .strictObject({
      default_room_version: z
        .enum(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"])
        .default("12")
        .describe("Room version for new rooms."),
      redaction_retention_ms: z
        .number()
        .int()
        .min(0)
        .default(604_800_000)
        .describe(
          "How long a redacted event's original content stays in the database (moderators and admins may need it); after that it is pruned for good. 0: prune at once. Default 7 days.",
        ),
    })
    .prefault({})
    .describe("Rooms."),
  e2ee: z
    .strictObject({
      to_device_inbox_limit: z
        .number()
        .int()
        .min(10)
        .max(1_000_000)
        .default(1000)
        .describe(
          "Most send-to-device messages kept for one device. When a device never syncs, its oldest messages are dropped (and logged) beyond this.",
        ),
    })
    .prefault({})
    .describe("End-to-end encryption: what the server stores for encrypted chats."),
  sync: z
    .strictObject({
      max_timeout_ms: z
        .number()
        .int()
        .min(0)
        .max(110_000)
        .default(60_000)
        .describe(
          "Longest a long-polling /sync waits for something new, in milliseconds; a client asking for more waits this long. Kept under the HTTP idle timeout (120 s).",
        ),
      default_timeline_limit: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(10)
        .describe("Timeline events per room in /sync when the client's filter gives no limit."),
      max_timeline_limit: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(100)
        .describe("Most timeline events per room one /sync returns, whatever the filter asks for."),
      presence: z
        .boolean()
        .default(true)
        .describe(
          "Track and share presence (online, unavailable, offline). Off: nobody's presence is stored or sent, and everyone shows as offline.",
        ),
      idle_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .default(300_000)
        .describe("An online user who has done nothing (sent, typed, read) for this long becomes unavailable."),
      offline_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .default(30_000)
        .describe("A user with no /sync running for this long becomes offline."),
      typing_max_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .default(120_000)
        .describe("Longest a typing notification lasts before the server clears it, whatever the client asks for."),
    })
    .prefault({})
    .describe("/sync, typing, receipts and presence."),
  user_directory: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe("Answer user directory searches (POST /user_directory/search). Off: every search finds nobody."),
      search_all_users: z
        .boolean()
        .default(false)
        .describe(
          "Let searches find every local user. Off: only users who share a room with the searcher or are in a public room (join rule public, or world-readable history).",
        ),
    })
    .prefault({})
    .describe("The user directory (finding people to talk to)."),
  media: z
    .strictObject({
      max_upload_bytes: z
        .number()
        .int()
        .min(1)
        .default(52_428_800)
        .describe("Largest file accepted for upload, in bytes (checked while the upload streams in)."),
      max_bytes_per_user: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe("Total bytes of media each user may upload (a quota). 0: no quota."),
      uploads_per_minute: z
        .number()
        .int()
        .min(1)
        .default(60)
        .describe("Uploads (and async upload IDs created) allowed per minute and user, when rate_limits.enabled."),
      max_pending_uploads: z
        .number()
        .int()
        .min(1)
        .default(10)
        .describe("Media IDs a user may have created (POST /_matrix/media/v1/create) and not yet uploaded."),
      pending_upload_expiry_ms: z
        .number()
        .int()
        .min(60_000)
        .default(86_400_000)
        .describe("How long an unused media ID from POST /_matrix/media/v1/create stays valid, in milliseconds."),
      unauthenticated_frozen_after: z
        .string()
        .refine(
          (s) => s === "" || !Number.isNaN(Date.parse(s)),
          "must be a date such as 2024-09-01T00:00:00Z, or empty",
        )
        .default("2024-09-01T00:00:00Z")
        .describe(
          "Media uploaded (or cached from other servers) after this time is served only by the authenticated /_matrix/client/v1/media endpoints; older media stays downloadable from the deprecated /_matrix/media/v3 ones. Empty: never frozen.",
        ),
      thumbnail_max_pixels: z
        .number()
        .int()
        .min(1)
        .default(40_000_000)
        .describe(
          "Images with more pixels than this (width × height, read from the header before decoding) are not thumbnailed: a guard against decompression bombs and memory spikes.",
        ),
      animated_original_max_bytes: z
        .number()
        .int()
        .min(0)
        .default(4_194_304)
        .describe(
          "When a client asks for an animated thumbnail of an animated GIF, PNG or WebP no larger than this, the original is served (it is never scaled up).",
        ),
      remote_retention_ms: z
        .number()
        .int()
        .min(0)
        .default(2_592_000_000)
        .describe(
          "Media cached from other servers and not downloaded for this long is deleted (it is fetched again when asked for). 0: keep forever.",
        ),
      url_preview: z
        .strictObject({
          enabled: z
            .boolean()
            .default(false)
            .describe("Serve URL previews (/preview_url): the server fetches web pages that users' clients ask about."),
          ip_allowlist: z
            .array(z.string().regex(/^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/, "must be an IP address or CIDR range"))
            .default([])
            .describe(
              'Address ranges (CIDR) that previews may fetch even though they are not public, e.g. ["192.168.1.0/24"]. Private, loopback and link-local addresses are refused otherwise.',
            ),
          ip_denylist: z
            .array(z.string().regex(/^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/, "must be an IP address or CIDR range"))
            .default([])
            .describe("More address ranges (CIDR) that previews must never fetch, on top of the non-public ones."),
          max_page_bytes: z
            .number()
            .int()
            .min(1024)
            .default(10_485_760)
            .describe("Largest page or image fetched for a preview, in bytes."),
          timeout_ms: z
            .number()
            .int()
            .min(100)
            .default(10_000)
            .describe("Time allowed for fetching a page or image for a preview, in milliseconds."),
          cache_ms: z
            .number()
            .int()
            .min(0)
            .default(3_600_000)
            .describe("How long a preview is reused before the page is fetched again, in milliseconds."),
          retention_ms: z
            .number()
            .int()
            .min(60_000)
            .default(604_800_000)
            .describe("Previews and their images are deleted after this long, in milliseconds."),
        })
        .prefault({})
        .describe("URL previews (off by default)."),
    })
    .prefault({})
    .describe("The media repository: uploads, downloads, thumbnails and URL previews."),
  push: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          "Deliver push notifications to the push gateways of users' pushers (phones). Notification counts and /notifications work either way.",
        ),
      ip_allowlist: z
        .array(z.string().regex(/^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/, "must be an IP address or CIDR range"))
        .default([])
        .describe(
          'Address ranges (CIDR) that push gateways may be at even though they are not public, e.g. ["192.168.1.0/24"]. Private, loopback and link-local addresses are refused otherwise.',
        ),
      allow_http: z
        .boolean()
        .default(false)
        .describe("Accept pushers whose gateway URL is plain http:// (the spec asks for https; for tests and LANs)."),
      max_backoff_ms: z
        .number()
        .int()
        .min(1)
        .default(3_600_000)
        .describe("Longest wait between retries when a push gateway fails (the wait doubles from 1 s up to this)."),
      give_up_after_ms: z
        .number()
        .int()
        .min(60_000)
        .default(86_400_000)
        .describe("A notification that still cannot be delivered this long after it happened is skipped."),
      timeout_ms: z
        .number()
        .int()
        .min(100)
        .default(15_000)
        .describe("Time allowed for one request to a push gateway, in milliseconds."),
      notification_retention_ms: z
        .number()
        .int()
        .min(86_400_000)
        .default(2_592_000_000)
        .describe(
          "Notifications (what /notifications lists and unread counts are made of) are deleted this long after they happened.",
        ),
    })
    .prefault({})
    .describe("Push notifications to phones (pushers and push gateways)."),
  turn: z
    .strictObject({
      uris: z
        .array(
          z
            .string()
            .regex(/^turns?:[^\s]+$/, "must be a turn: or turns: URI, e.g. turn:turn.example.org:3478?transport=udp"),
        )
        .default([])
        .describe(
          'TURN server URIs given to clients for calls (GET /voip/turnServer), e.g. ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp"]. Empty: no TURN server (clients answer calls peer to peer or with their own fallback).',
        ),
      shared_secret: z
        .string()
        .default("")
        .describe(
          "The static-auth-secret of a coturn server (use-auth-secret): each client gets a time-limited username and password made from it.",
        ),
      username: z
        .string()
        .default("")
        .describe(
          "A fixed TURN username, for servers without a shared secret (used only when shared_secret is empty).",
        ),
      password: z.string().default("").describe("The password of that fixed TURN username."),
      user_lifetime_ms: z
        .number()
        .int()
        .min(60_000)
        .max(2_592_000_000)
        .default(86_400_000)
        .describe(
          "How long the TURN credentials handed to a client stay valid, in milliseconds (the ttl clients see).",
        ),
      allow_guests: z.boolean().default(true).describe("Give TURN credentials to guest accounts too."),
    })
    .superRefine((turn, ctx) => {
      if (turn.uris.length > 0 && turn.shared_secret === "" && (turn.username === "" || turn.password === "")) {
        ctx.addIssue({
          code: "custom",
          path: ["shared_secret"],
          message: "TURN uris need either shared_secret or both username and password",
        });
      }
    })
    .prefault({})
    .describe("TURN server for voice and video calls (coturn)."),
  logging: z
    .strictObject({
      level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Least severe level written."),
      access_log: z.boolean().default(true).describe("Log one line per HTTP request (never with tokens)."),
    })
    .prefault({})
    .describe("Logging (to standard error)."),
});

export type ConfigInput = z.input<typeof configSchema>;
type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type Config = DeepReadonly<z.output<typeof configSchema>>;
