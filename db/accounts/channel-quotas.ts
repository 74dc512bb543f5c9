/**
 * Quotas per channel type (account_channel_quotas), checked and reserved when a send is accepted.
 * The reservation is one conditional UPDATE of the quota's row: PostgreSQL re-checks its WHERE
 * on the row's newest version after waiting for the lock, so concurrent requests can never take
 * the count past the limit between them. An account or channel type without a row has no quota.
 */

import { sql } from "drizzle-orm";
import { quotaPeriods, type QuotaOverrun, type QuotaStanding } from "../../core/dispatch/quota.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Orm } from "../client.js";

/** A stored quota as it stands; its use counts the current UTC day and month (zero once a stored period has passed). */
export interface ChannelQuota extends QuotaStanding {
  channelType: ChannelType;
}

/** Why a reservation was refused: the first period it would overrun, and when that period ends. */
export type QuotaRefusal = QuotaOverrun;

type Raw = Record<string, unknown>;
const rowsOf = (r: unknown) => (r as { rows: Raw[] }).rows;

function toQuota(r: Raw, now: Date): ChannelQuota {
  const p = quotaPeriods(now);
  const sameDay = dateText(r.day_start) === p.day;
  const sameMonth = dateText(r.month_start) === p.month;
  return {
    channelType: r.channel_type as ChannelType,
    dailyLimit: r.daily_limit === null ? null : Number(r.daily_limit),
    monthlyLimit: r.monthly_limit === null ? null : Number(r.monthly_limit),
    dayUsed: sameDay ? Number(r.day_used) : 0,
    monthUsed: sameMonth ? Number(r.month_used) : 0,
    dayResetsAt: p.dayResetsAt,
    monthResetsAt: p.monthResetsAt,
  };
}

/** A DATE column as YYYY-MM-DD whichever driver read it (pg returns text for dates here, PGlite a Date). */
function dateText(v: unknown): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
}

export async function listChannelQuotas(orm: Orm, accountId: string, now: Date): Promise<ChannelQuota[]> {
  const r = await orm.execute(
    sql`SELECT channel_type, daily_limit, monthly_limit, day_start::text AS day_start, day_used,
               month_start::text AS month_start, month_used
          FROM account_channel_quotas WHERE account_id = ${accountId} ORDER BY channel_type`,
  );
  return rowsOf(r).map((row) => toQuota(row, now));
}

/**
 * Sets a channel type's limits. A new quota starts from what the account already sent on that
 * channel type this day and month (its outbound messages), so "usage so far" is true from the
 * first read; changing an existing quota keeps its counters.
 */
export async function putChannelQuota(
  orm: Orm,
  accountId: string,
  channelType: ChannelType,
  limits: { dailyLimit: number | null; monthlyLimit: number | null },
  now: Date,
): Promise<ChannelQuota> {
  const p = quotaPeriods(now);
  const r = await orm.execute(sql`
    INSERT INTO account_channel_quotas
      (account_id, channel_type, daily_limit, monthly_limit, day_start, day_used, month_start, month_used, updated_at)
    SELECT ${accountId}, ${channelType}, ${limits.dailyLimit}, ${limits.monthlyLimit}, ${p.day}::date,
           count(*) FILTER (WHERE created_at >= ${p.day}::date), ${p.month}::date, count(*), ${now.toISOString()}::timestamptz
      FROM messages
     WHERE account_id = ${accountId} AND channel_type = ${channelType} AND direction = 'outbound'
       AND created_at >= ${p.month}::date AND created_at < ${p.monthResetsAt.toISOString()}::timestamptz
    ON CONFLICT (account_id, channel_type) DO UPDATE
      SET daily_limit = EXCLUDED.daily_limit, monthly_limit = EXCLUDED.monthly_limit, updated_at = EXCLUDED.updated_at
    RETURNING channel_type, daily_limit, monthly_limit, day_start::text AS day_start, day_used,
              month_start::text AS month_start, month_used`);
  return toQuota(rowsOf(r)[0]!, now);
}

export async function deleteChannelQuota(orm: Orm, accountId: string, channelType: ChannelType): Promise<boolean> {
  const r = await orm.execute(
    sql`DELETE FROM account_channel_quotas WHERE account_id = ${accountId} AND channel_type = ${channelType} RETURNING 1`,
  );
  return rowsOf(r).length > 0;
}

/**
 * Reserves `n` sends of the channel type in the current day and month, or refuses them all. Run it
 * in the transaction that writes the messages when there is one, so a failed write returns them.
 */
export async function reserveChannelQuota(
  orm: Orm,
  accountId: string,
  channelType: ChannelType,
  n: number,
  now: Date,
  attempt = 1,
): Promise<{ ok: true } | ({ ok: false } & QuotaRefusal)> {
  if (n <= 0) return { ok: true };
  const p = quotaPeriods(now);
  const dayUsed = sql`(CASE WHEN day_start = ${p.day}::date THEN day_used ELSE 0 END)`;
  const monthUsed = sql`(CASE WHEN month_start = ${p.month}::date THEN month_used ELSE 0 END)`;
  const reserved = await orm.execute(sql`
    UPDATE account_channel_quotas
       SET day_used = ${dayUsed} + ${n}, day_start = ${p.day}::date,
           month_used = ${monthUsed} + ${n}, month_start = ${p.month}::date
     WHERE account_id = ${accountId} AND channel_type = ${channelType}
       AND (daily_limit IS NULL OR ${dayUsed} + ${n} <= daily_limit)
       AND (monthly_limit IS NULL OR ${monthUsed} + ${n} <= monthly_limit)
    RETURNING 1`);
  if (rowsOf(reserved).length > 0) return { ok: true };
  const [q] = (await listChannelQuotas(orm, accountId, now)).filter((x) => x.channelType === channelType);
  if (!q) return { ok: true };
  if (q.dailyLimit !== null && q.dayUsed + n > q.dailyLimit)
    return { ok: false, period: "day", limit: q.dailyLimit, used: q.dayUsed, resetsAt: q.dayResetsAt };
  if (q.monthlyLimit !== null && q.monthUsed + n > q.monthlyLimit)
    return { ok: false, period: "month", limit: q.monthlyLimit, used: q.monthUsed, resetsAt: q.monthResetsAt };
  // The counters moved between the two statements (a period ended, a quota changed): try again.
  if (attempt < 3) return reserveChannelQuota(orm, accountId, channelType, n, now, attempt + 1);
  return { ok: false, period: "day", limit: q.dailyLimit ?? 0, used: q.dayUsed, resetsAt: q.dayResetsAt };
}
