/**
 * Accept-time quota check of a send: reserves its messages against the channel type's daily and
 * monthly quota, or answers 429 `quota_exceeded` with when the overrun period resets (in the body
 * and as Retry-After). Called before the send writes any row, in its transaction when it has one.
 * A scheduled send is checked at accept time for what is already knowable, and reserved when it fires.
 */

import type { Response } from "express";
import { AppError } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { knownOverrun, type QuotaOverrun } from "../../../core/dispatch/quota.js";
import { listChannelQuotas, reserveChannelQuota } from "../../../db/accounts/channel-quotas.js";
import type { Orm } from "../../../db/client.js";

export async function reserveQuotaOrRefuse(
  tx: Orm,
  res: Response,
  accountId: string,
  channelType: ChannelType,
  n: number,
  now: Date,
): Promise<void> {
  const r = await reserveChannelQuota(tx, accountId, channelType, n, now);
  if (r.ok) return;
  refuse(res, channelType, r, n, now);
}

/**
 * Accept-time check of a scheduled send: refused with the same 429 when its first firing is known
 * to pass the quota (knownOverrun); nothing is reserved, the firing reserves.
 */
export async function refuseKnownOverrun(
  orm: Orm,
  res: Response,
  accountId: string,
  channelType: ChannelType,
  n: number,
  firesAt: Date,
  now: Date,
): Promise<void> {
  const [q] = (await listChannelQuotas(orm, accountId, now)).filter((x) => x.channelType === channelType);
  const overrun = q && knownOverrun(q, n, firesAt);
  if (overrun) refuse(res, channelType, overrun, n, now);
}

function refuse(res: Response, channelType: ChannelType, r: QuotaOverrun, n: number, now: Date): never {
  const left = Math.max(0, r.limit - r.used);
  res.setHeader("Retry-After", String(Math.max(1, Math.ceil((r.resetsAt.getTime() - now.getTime()) / 1000))));
  throw new AppError(
    429,
    "quota_exceeded",
    `the ${r.period === "day" ? "daily" : "monthly"} ${channelType} quota of ${r.limit} has ${left} left; this request needs ${n}`,
    { resets_at: r.resetsAt.toISOString(), period: r.period, limit: r.limit, used: r.used },
  );
}
