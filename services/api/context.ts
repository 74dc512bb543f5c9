/**
 * The API's dependencies: what its host process hands it (ApiDeps) and what every handler receives (Ctx).
 */

import type { JWTVerifyGetKey } from "jose";
import type { OutboundPolicy } from "../../adapters/contract/outbound-address.js";
import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import type { DeadLetterStore } from "../../core/dead-letters.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { Logger } from "../../core/logger.js";
import type { MediaStore } from "../../core/media/store.js";
import type { Database } from "../../db/client.js";
import type { SecretBox } from "../../db/secret-box.js";
import type { ApiKeyCache } from "./auth/api-key-cache.js";
import type { ApiConfig } from "./config.js";
import type { RecentHits } from "../http/recent-hits.js";
import type { ConcurrencySlots } from "../http/slots.js";

/** Everything the API needs from its host process; services/main.ts builds these. */
export interface ApiDeps {
  db: Database;
  publisher: EventPublisher;
  config: ApiConfig;
  logger: Logger;
  /** Time source for created_at, token checks and rate windows; tests pin it. */
  clock?: () => Date;
  /** Key ring for channel credentials. Without it, reads work and writing credentials is a 503. */
  secretBox?: SecretBox;
  /** Extra readiness checks (e.g. the Dapr sidecar); /ready adds the database itself. */
  ready?: () => Promise<Record<string, boolean>>;
  /** Key set for Bearer tokens, instead of fetching AUTH_JWKS_URL (a preloaded or local JWKS). */
  jwks?: JWTVerifyGetKey;
  /**
   * The providers' adapters, which check a channel's credentials with the provider when it is
   * created or its credentials change. Without it, adapters are built at the providers' own addresses.
   */
  adapters?: AdapterRegistry;
  /** Where media bytes go (the sidecar's `mediastore` binding). Without it, media routes answer 503. */
  media?: MediaStore;
  /** Which hosts an attachment URL may name (OUTBOUND_ALLOW); public addresses only when absent. */
  outbound?: OutboundPolicy;
  /** Key for signed media links (GET /media-links/{token}); without it the route answers 404. */
  mediaLinkKey?: Buffer;
  /** Callback endpoints: the destination rule their URLs must pass, and how a retried delivery wakes its sender. */
  callbacks?: CallbackDeps;
  /** The dead-letter logs (the DeadLetterActors); without it, dead-letter routes answer 503. */
  deadLetters?: DeadLetterStore;
  /** The address providers see (WEBHOOK_PUBLIC_URL); without it, a channel's webhook URL uses the request's origin. */
  webhookPublicUrl?: string;
}

export interface CallbackDeps {
  outbound: OutboundPolicy;
  /** Accept http:// URLs (CALLBACK_ALLOW_HTTP). */
  allowHttp: boolean;
  nudge(endpointId: string): Promise<unknown>;
}

export interface Ctx extends Required<Pick<ApiDeps, "db" | "publisher" | "config" | "logger" | "clock" | "adapters">> {
  secretBox?: SecretBox;
  media?: MediaStore;
  outbound: OutboundPolicy;
  mediaLinkKey?: Buffer;
  callbacks?: CallbackDeps;
  deadLetters?: DeadLetterStore;
  webhookPublicUrl?: string;
  apiKeys: ApiKeyCache;
  /** Open progress streams per account (API_SSE_MAX_STREAMS_PER_ACCOUNT). */
  streams: ConcurrencySlots;
  /** CSV imports running per account (API_CSV_MAX_CONCURRENT_PER_ACCOUNT). */
  imports: ConcurrencySlots;
  /** Requests refused by the rate limit, per account, over the stats window (this replica). */
  rateLimitHits: RecentHits;
}
