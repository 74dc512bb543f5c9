/**
 * Settings of the REST API, read from the environment like core/config.ts (which holds the
 * process-wide ones: DATABASE_URL, CREDENTIALS_KEYS, TRUST_GATEWAY_HEADERS …).
 */

import { z } from "zod";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const apiConfigSchema = z
  .object({
    AUTH_JWKS_URL: z
      .url()
      .optional()
      .describe(
        "JWKS of the identity provider (e.g. Cognito's /.well-known/jwks.json). Unset: Bearer tokens are refused.",
      ),
    AUTH_JWT_ISSUER: z.string().optional().describe("Required `iss` of access tokens; must be set with AUTH_JWKS_URL."),
    AUTH_JWT_AUDIENCE: z
      .string()
      .optional()
      .describe("Required audience: `aud`, or Cognito's `client_id` on access tokens; must be set with AUTH_JWKS_URL."),
    AUTH_ACCOUNT_CLAIM: z
      .string()
      .default("custom:account_ids")
      .describe("Claim listing the caller's account ids (array or comma-separated)."),
    TRUST_GATEWAY_HEADERS: bool.default(false).describe("Honour x-account-ids set by a trusted gateway."),
    API_RATE_LIMIT: int(0, 1_000_000)
      .default(100)
      .describe("Requests per account per window across all replicas; 0 turns limiting off."),
    API_RATE_WINDOW_SECONDS: int(1, 3600).default(60).describe("Rate-limit window."),
    API_RATE_SYNC_MS: int(0, 60_000)
      .default(1_000)
      .describe(
        "How often a replica reconciles its local rate-limit counts with the shared ones; 0 = on every request (exact across replicas, one more database round trip per request).",
      ),
    API_BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/)
      .default("256kb")
      .describe("Largest JSON request body."),
    API_CSV_MAX_BYTES: int(1, 1 << 30)
      .default(50 * 1024 * 1024)
      .describe("Largest CSV upload for contact imports."),
    API_CSV_UPLOAD_TIMEOUT_SECONDS: int(1, 3_600)
      .default(120)
      .describe("Longest a CSV upload may take to arrive; a slower one is refused with 408."),
    API_CSV_MAX_CONCURRENT_PER_ACCOUNT: int(1, 100)
      .default(2)
      .describe("CSV imports one account may run at once per replica; more are a 429."),
    MEDIA_MAX_BYTES: int(1, 1 << 30)
      .default(100 * 1024 * 1024)
      .describe(
        "Largest media upload; 100 MB is WhatsApp's document limit, the largest any supported provider sends. Channel types' own limits apply when the upload names one.",
      ),
    MEDIA_RETENTION_DAYS: int(1, 3_650)
      .default(30)
      .describe("Days a media object is kept after upload; the expiry sweep then deletes its bytes and row."),
    MEDIA_SWEEP_INTERVAL_SECONDS: int(10, 86_400)
      .default(600)
      .describe("How often an API replica deletes expired media objects."),
    API_CSV_MAX_ROWS: int(1, 10_000_000).default(1_000_000).describe("Most rows one CSV import may hold."),
    API_LIST_DEFAULT_LIMIT: int(1, 1000).default(20).describe("Page size when `limit` is absent."),
    API_LIST_MAX_LIMIT: int(1, 1000).default(100).describe("Hard maximum of `limit`."),
    API_LIST_MAX_SKIP: int(0, 1_000_000).default(10_000).describe("Deepest `skip`; narrow the filter to go further."),
    API_COUNT_CAP: int(1, 10_000_000)
      .default(1_000)
      .describe(
        "List totals are exact up to this many rows; above it total_capped is set. Counting costs grow with the cap (a month of messages is millions of rows).",
      ),
    API_KEY_CACHE_SECONDS: int(0, 300)
      .default(10)
      .describe(
        "How long a verified API key is remembered per process; revocation reaches other replicas within this time.",
      ),
    SCHEDULE_MIN_INTERVAL_SECONDS: int(1, 86_400)
      .default(60)
      .describe("Shortest gap a recurring single send's rule may have (a per-second cron rule is refused)."),
    SCHEDULE_GROUP_MIN_INTERVAL_SECONDS: int(1, 86_400)
      .default(3_600)
      .describe(
        "Shortest gap a recurring group send's rule may have: each trigger fans a campaign out over whole contact groups, which at a channel's default 60 a minute takes over an hour for a few thousand contacts.",
      ),
    API_SSE_MAX_STREAMS_PER_ACCOUNT: int(1, 10_000)
      .default(10)
      .describe("Progress streams (server-sent events) one account may hold open at once per replica; more are a 429."),
    API_SSE_MAX_LIFETIME_SECONDS: int(1, 86_400)
      .default(600)
      .describe("Longest a progress stream stays open before it closes and the client reconnects."),
    CONSOLE_DIR: z
      .string()
      .min(1)
      .default(".build/console")
      .describe(
        "The console's build folder (scripts/build-console.sh makes it), served at /console; relative to the working directory.",
      ),
    API_STATS_MAX_ROWS: int(1_000, 10_000_000)
      .default(200_000)
      .describe(
        "Most message rows one stats sample scans per figure (the overview's recent window, the backlog); above it the figures are lower bounds and the sample says capped. PostgreSQL aggregates 200,000 rows in well under a second.",
      ),
    API_STATS_INTERVAL_SECONDS: int(1, 3_600)
      .default(2)
      .describe("How often a stats stream (the console's overview) samples the figures."),
    API_CORS_ORIGINS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter((o) => o.length > 0),
      )
      .pipe(z.array(z.union([z.literal("*"), z.url().regex(/^https?:\/\/[^/]+$/, "an origin: scheme://host[:port]")])))
      .describe(
        "Browser origins allowed to call the API (CORS), comma-separated, exactly as the browser sends them (https://app.example.com); * allows any origin. Empty: no CORS headers, browsers on other origins are refused.",
      ),
    API_CORS_CREDENTIALS: bool
      .default(false)
      .describe(
        "Let allowed origins send cookies or HTTP authentication (Access-Control-Allow-Credentials). Needs explicit origins, never *.",
      ),
    API_CORS_MAX_AGE_SECONDS: int(0, 86_400).default(600).describe("How long a browser may reuse a preflight answer."),
    IDEMPOTENCY_TTL_HOURS: int(1, 24 * 30)
      .default(24)
      .describe("How long an Idempotency-Key is remembered."),
  })
  // A key set alone accepts any token its identity provider signed, for any client and issuer.
  .superRefine((c, ctx) => {
    if (!c.AUTH_JWKS_URL) return;
    for (const key of ["AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE"] as const)
      if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when AUTH_JWKS_URL is set" });
  })
  // Credentials to any origin would let every website act with a signed-in user's cookies.
  .superRefine((c, ctx) => {
    if (c.API_CORS_CREDENTIALS && c.API_CORS_ORIGINS.includes("*"))
      ctx.addIssue({
        code: "custom",
        path: ["API_CORS_CREDENTIALS"],
        message: "needs explicit API_CORS_ORIGINS, not *",
      });
  });

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const parsed = apiConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid API configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    );
  }
  return parsed.data;
}
