/**
 * Every setting the services read from the environment, in one zod schema. This is the single
 * source: services parse it at start-up (a bad value stops the process with a clear message)
 * and the configuration reference in README is generated from it.
 */

import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const configSchema = z.object({
  ROLE: z
    .enum(["api", "dispatcher", "all"])
    .default("all")
    .describe(
      "Which parts this process runs: the REST API, the dispatcher (actors and consumers), or both (embedded mode).",
    ),
  APP_HOST: z.string().default("127.0.0.1").describe("Address the app listens on for its sidecar and clients."),
  APP_PORT: port.default(3000).describe("Port the app listens on (the sidecar's --app-port)."),
  METRICS_PORT: port
    .optional()
    .describe(
      "Port of a separate listener serving only GET /metrics; unset, /metrics is served on APP_PORT. Keeps metrics off the public port.",
    ),
  DAPR_HOST: z.string().default("127.0.0.1").describe("Address of this app's Dapr sidecar."),
  DAPR_HTTP_PORT: port.default(3500).describe("HTTP port of this app's Dapr sidecar."),
  DAPR_API_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe("Token the app presents to its sidecar (dapr-api-token). Secret."),
  APP_API_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe(
      "Token the sidecar presents to the app; requests without it are refused. Required (the process refuses to start) when a dispatcher listens beyond loopback. Secret.",
    ),
  PUBSUB_NAME: z.string().default("pubsub").describe("Name of the Dapr pub/sub component."),
  STATESTORE_NAME: z.string().default("statestore").describe("Name of the Dapr state store component."),
  ACTOR_IDLE_TIMEOUT: z.string().default("1h").describe("How long an idle actor stays activated (Dapr duration)."),
  ACTOR_SCAN_INTERVAL: z.string().default("30s").describe("How often the sidecar looks for idle actors to deactivate."),
  // Placement gives a host 8 s (its --disseminate-timeout default) to lock its table for a new
  // placement, and a host only answers once its rebalanced actors' calls drained. At 20 s, a slow
  // send turn outlasted that deadline in the fault drill: placement dropped the host, which halted
  // every actor it held and left five channels without a send turn until the drill's end.
  ACTOR_DRAIN_TIMEOUT: z
    .string()
    .default("5s")
    .describe(
      "How long a rebalanced or stopping actor host waits for calls in flight. Keep it under placement's dissemination timeout (8 s by default).",
    ),
  ACTOR_CALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(60_000)
    .describe(
      "How long an actor call through the sidecar may take before the caller gives up and logs it (longer than the longest send turn).",
    ),
  DATABASE_URL: z
    .string()
    .optional()
    .describe("PostgreSQL URL. Unset: the embedded database (PGlite) is used. Secret."),
  EMBEDDED_DB_DIR: z.string().optional().describe("Directory of the embedded database; unset means in memory."),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("pino log level."),
  LOG_PII: bool
    .default(false)
    .describe(
      "Write phone numbers, e-mail addresses and message bodies into logs as they are (for debugging). Off: they are masked (an address's domain or last three digits, a body's length).",
    ),
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe("How long shutdown waits for requests in flight."),
  OPS_API_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe(
      "Bearer token for the operator endpoints under /internal (pipeline probes, dead letters). Unset: they are off. Secret.",
    ),
  CREDENTIALS_KEYS: z
    .string()
    .optional()
    .describe(
      "Key ring for channel credentials at rest: `id:base64-32-bytes[,id:…]`; the first is used for new writes unless CREDENTIALS_ACTIVE_KEY_ID says otherwise. Unset: a per-process random key (embedded demo only). Secret.",
    ),
  CREDENTIALS_ACTIVE_KEY_ID: z.string().optional().describe("Key id that seals new credentials (key rotation)."),
  PROVIDER_BASE_URLS: z
    .string()
    .optional()
    .describe(
      'JSON map of provider key to base URL, e.g. {"telegram":"http://127.0.0.1:4010"}: points adapters at the provider simulator.',
    ),
  MEDIA_PUBLIC_BASE_URL: z
    .url()
    .optional()
    .describe(
      "Public base URL of the API (e.g. https://api.example.com) for signed links to stored media that providers fetch (attachments sent by media id). Unset: sends with a media-id attachment fail with media_link_unavailable; URL attachments still work.",
    ),
  MEDIA_LINK_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3_600)
    .describe(
      "How long a signed media link stays valid: long enough for the provider to fetch it, short enough not to leak.",
    ),
  OUTBOUND_ALLOW: z
    .string()
    .default("")
    .describe(
      "Comma-separated CIDRs and host names that tenant-chosen hosts (SMTP and SMPP channels) may resolve to although they are not public addresses (loopback, private, link-local, CGNAT, unique-local, metadata). Empty: only public addresses are dialled. The embedded set allows loopback for the local simulator; the test stacks set their own.",
    ),
  PROVIDER_ACCOUNT_RATES: z
    .string()
    .optional()
    .describe(
      "JSON map of provider key to a provider account's rate per minute, e.g. {\"twilio\":12000}: a contracted rate instead of the provider's documented default. Each tenant's provider account has its own bucket at this rate; channel settings cannot change it.",
    ),
  CALLBACK_RETRY_PERIOD_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(86_400_000)
    .describe(
      "How long a tenant callback is retried (exponential backoff with jitter) from its first attempt; then the endpoint is disabled with the reason.",
    ),
  CALLBACK_BASE_DELAY_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5_000)
    .describe("First retry delay of a failed callback; it doubles per attempt up to an hour."),
  CALLBACK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(10_000)
    .describe("Longest a callback request may take; a slower endpoint counts as failed (timeout)."),
  CALLBACK_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(8)
    .describe("Callback requests in flight to one endpoint at once."),
  CALLBACK_RATE_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(100)
    .describe("Callback requests started per second to one endpoint."),
  CALLBACK_OUTBOX_STALE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30_000)
    .describe(
      "A callback event still in the outbox this long after its change committed lost its publish: the sweep hands it to the fan-out (delivered once by event id).",
    ),
  CALLBACK_ALLOW_HTTP: bool
    .default(false)
    .describe(
      "Accept plain http:// callback URLs (local development and tests). Off: endpoints must be https://. The destination rule of OUTBOUND_ALLOW applies either way.",
    ),
  DISPATCH_MAX_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(5_000)
    .default(200)
    .describe("Most messages one channel send turn claims and sends concurrently."),
  CREDENTIALS_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(300_000)
    .describe("How long a channel actor trusts its cached channel settings and credentials."),
  CHANNEL_HEALTH_EVERY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(60_000)
    .describe("How often an idle channel actor checks its provider's health."),
  BREAKER_THRESHOLD: z.coerce
    .number()
    .int()
    .min(1)
    .default(20)
    .describe("Consecutive retryable failures that open a channel's circuit."),
  BREAKER_OPEN_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe("How long an open circuit stays open before a trial batch."),
  SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(5_000)
    .describe(
      "Period of the dispatch and campaign sweep: one actor reminder for the whole cluster, whatever the number of dispatchers.",
    ),
  SWEEP_STALE_QUEUED_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(15_000)
    .describe("Queued messages untouched this long get their channel nudged again (lost publish, lost timer)."),
  SWEEP_STUCK_SENDING_MS: z.coerce
    .number()
    .int()
    .min(5_000)
    .default(120_000)
    .describe(
      "Messages in `sending` this long belonged to a dispatcher that died mid-send; they are requeued and counted.",
    ),
  CONTACT_SOURCE: z
    .enum(["builtin", "account_api"])
    .default("builtin")
    .describe(
      "Where campaigns read their recipients: the messaging database's contact groups, or the Account API (ACCOUNT_API_URL).",
    ),
  ACCOUNT_API_URL: z
    .url()
    .optional()
    .describe(
      "Base URL of the Account API whose GET /v1/contacts/ serves campaign recipients when CONTACT_SOURCE=account_api.",
    ),
  ACCOUNT_API_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("Bearer token the dispatcher presents to the Account API. Secret."),
  CAMPAIGN_PAGE_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(1_000)
    .describe("Recipients a campaign reads, renders and inserts per page (one transaction, one dispatch nudge)."),
  CAMPAIGN_AHEAD_MINUTES: z.coerce
    .number()
    .min(0.01)
    .max(60)
    .default(3)
    .describe("Minutes of a channel's rate a campaign may keep queued ahead of it; the fan-out waits beyond that."),
  CAMPAIGN_TURN_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(1_500)
    .describe("Longest one campaign actor turn inserts pages before yielding."),
  CAMPAIGN_PROGRESS_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(1_000)
    .describe("How often a running campaign folds its counters into the group message row."),
  CAMPAIGN_SOURCE_FAILURE_TURNS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe(
      "Failed turns in a row (each with its own retries) after which a campaign whose contact source stays unreachable stops.",
    ),
  TRUST_GATEWAY_HEADERS: bool.default(false).describe("Honour x-account-ids headers set by a trusted gateway."),
});

export type AppConfig = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
