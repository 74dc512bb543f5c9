/**
 * Request and response schemas of the channel endpoints (zod): they validate requests and are the
 * schemas of the OpenAPI document. Secret credential fields are write-only: no response carries them.
 */

import { z } from "zod";
import { providerKeys } from "../../../adapters/registry.js";
import { CHANNEL_TYPES } from "../../../core/messages/vocabulary.js";
import { MEDIA_FALLBACKS } from "../../../core/media/link-fallback.js";
import { openCredentials } from "../../../db/channels/repository.js";
import type { ChannelRow } from "../../../db/schema.js";
import type { SecretBox } from "../../../db/secret-box.js";
import { CHANNEL_STATUSES, CLIENT_SETTABLE } from "../../../core/messages/lifecycle.js";
import { shownCredentials } from "./channel-credentials.js";
import { accountId, iso, metadata, name, nonEmpty, tsOut } from "./common.js";

const retryConfig = z
  .strictObject({
    max_attempts: z.number().int().min(0).max(50).optional(),
    base_delay_ms: z.number().int().min(100).max(3_600_000).optional(),
    max_delay_ms: z.number().int().min(100).max(86_400_000).optional(),
  })
  .describe("Retry policy for transient send failures");

const settable = z.enum(CLIENT_SETTABLE.channel as [string, ...string[]]);
const credentials = z
  .record(z.string(), z.unknown())
  .describe(
    "Provider credentials; validated per channel type and provider. The provider's secret fields are write-only: never returned.",
  );

const common = {
  sender_name: z.string().max(255).nullable().optional(),
  rate_limit: z.number().int().min(1).max(1_000_000).optional().describe("Messages per minute"),
  burst: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .nullable()
    .optional()
    .describe("Messages allowed at once above the steady rate"),
  priority: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .optional()
    .describe("Selection priority among an account's channels (higher first)"),
  is_enabled: z.boolean().optional(),
  retry_config: retryConfig.optional(),
  metadata: metadata.optional(),
  media_fallback: z
    .enum(MEDIA_FALLBACKS)
    .optional()
    .describe(
      "On a provider that sends no media (SMPP, Africa's Talking, Vonage): refuse (default) fails a message with attachments; link appends a link to each to the text",
    ),
};

export const channelCreate = z
  .strictObject({
    account_id: accountId,
    name,
    channel_type: z.enum(CHANNEL_TYPES),
    provider: z
      .string()
      .max(50)
      .optional()
      .describe(`sms: ${providerKeys("sms").join(" | ")}; other types: default`),
    credentials,
    status: settable.optional(),
    ...common,
  })
  .meta({
    examples: [
      {
        name: "Marketing SMS",
        channel_type: "sms",
        provider: "twilio",
        credentials: {
          account_sid: "AC0123456789abcdef0123456789abcdef",
          auth_token: "0123456789abcdef0123",
          from: "+15005550006",
        },
        rate_limit: 600,
      },
    ],
  });

export const channelUpdate = nonEmpty(
  z.strictObject({
    name: name.optional(),
    credentials: credentials.optional().describe("Replaces the whole credential set"),
    status: settable.optional(),
    status_reason: z.string().max(1000).nullable().optional(),
    ...common,
  }),
);

export const channelOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    name: z.string(),
    channel_type: z.enum(CHANNEL_TYPES),
    provider: z.string(),
    status: z.enum(CHANNEL_STATUSES),
    status_reason: z.string().nullable(),
    is_enabled: z.boolean(),
    credentials: z
      .record(z.string(), z.unknown())
      .describe(
        'The credential fields that are set: the value of each non-secret field, "********" for the provider\'s secret fields (never returned)',
      ),
    sender_name: z.string().nullable(),
    rate_limit: z.number().int(),
    burst: z.number().int().nullable(),
    priority: z.number().int(),
    retry_config: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    media_fallback: z.enum(MEDIA_FALLBACKS),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "Channel" });

/** A channel as answers show it; `box` opens the credentials so their non-secret fields can be shown. */
export function channelJson(r: ChannelRow, box: SecretBox | undefined): z.infer<typeof channelOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    channel_type: r.channelType as z.infer<typeof channelOut>["channel_type"],
    provider: r.provider,
    status: r.status as z.infer<typeof channelOut>["status"],
    status_reason: r.statusReason,
    is_enabled: r.isEnabled,
    credentials: shownCredentials(
      { channelType: r.channelType, provider: r.provider, fields: r.credentialFields },
      box && (() => openCredentials(box, r)),
    ),
    sender_name: r.senderName,
    rate_limit: r.rateLimit,
    burst: r.burst,
    priority: r.priority,
    retry_config: r.retryConfig,
    metadata: r.metadata,
    media_fallback: r.mediaFallback,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}
