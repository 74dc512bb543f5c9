/**
 * Request and response schemas of /v1/quotas: an account's daily and monthly send quotas per
 * channel type, with what it has used in the current UTC day and month.
 */

import { z } from "zod";
import { CHANNEL_TYPES } from "../../../core/messages/vocabulary.js";
import type { ChannelQuota } from "../../../db/accounts/channel-quotas.js";
import { accountId, iso, nonEmpty, tsOut } from "./common.js";

const limit = z
  .number()
  .int()
  .min(0)
  .max(1_000_000_000)
  .nullable()
  .describe("Messages accepted per period; null: no limit on that period");

export const quotaParams = z.strictObject({ channel_type: z.enum(CHANNEL_TYPES) });
export const quotaAccountQuery = z.strictObject({ account_id: accountId });

export const quotaUpdate = nonEmpty(
  z.strictObject({ daily_limit: limit.optional(), monthly_limit: limit.optional() }),
).meta({ examples: [{ daily_limit: 10_000, monthly_limit: 200_000 }] });

const usage = z.object({
  limit: z.number().int().nullable(),
  used: z.number().int().describe("Messages accepted in the current period (UTC)"),
  remaining: z.number().int().nullable(),
  resets_at: tsOut,
});

export const quotaOut = z
  .object({
    channel_type: z.enum(CHANNEL_TYPES),
    daily: usage,
    monthly: usage,
  })
  .meta({ id: "Quota" });

export const quotaListOut = z.object({ items: z.array(quotaOut) });

export function quotaJson(q: ChannelQuota): z.infer<typeof quotaOut> {
  const of = (lim: number | null, used: number, resetsAt: Date) => ({
    limit: lim,
    used,
    remaining: lim === null ? null : Math.max(0, lim - used),
    resets_at: iso(resetsAt),
  });
  return {
    channel_type: q.channelType,
    daily: of(q.dailyLimit, q.dayUsed, q.dayResetsAt),
    monthly: of(q.monthlyLimit, q.monthUsed, q.monthResetsAt),
  };
}
