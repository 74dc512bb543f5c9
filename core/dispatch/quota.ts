/**
 * Daily and monthly send quotas of one account, counted exactly by the single actor that owns
 * them. Periods are UTC calendar days and months; a new period starts from zero.
 */

export interface QuotaState {
  day: string;
  dayCount: number;
  month: string;
  monthCount: number;
}

export interface QuotaLimits {
  dailyLimit?: number | null;
  monthlyLimit?: number | null;
}

export const emptyQuota = (): QuotaState => ({ day: "", dayCount: 0, month: "", monthCount: 0 });

/** Grants up to `wanted` sends within both limits and counts them. */
export function consumeQuota(
  state: QuotaState,
  limits: QuotaLimits,
  now: Date,
  wanted: number,
): { state: QuotaState; granted: number } {
  const day = now.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  const s: QuotaState = {
    day,
    dayCount: state.day === day ? state.dayCount : 0,
    month,
    monthCount: state.month === month ? state.monthCount : 0,
  };
  const dayLeft = limits.dailyLimit ? Math.max(0, limits.dailyLimit - s.dayCount) : Infinity;
  const monthLeft = limits.monthlyLimit ? Math.max(0, limits.monthlyLimit - s.monthCount) : Infinity;
  const granted = Math.max(0, Math.min(wanted, dayLeft, monthLeft));
  return { state: { ...s, dayCount: s.dayCount + granted, monthCount: s.monthCount + granted }, granted };
}

/** The UTC day and month `now` falls in (as dates), and when each ends: a quota's counters reset then. */
export function quotaPeriods(now: Date): { day: string; month: string; dayResetsAt: Date; monthResetsAt: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  const day = now.toISOString().slice(0, 10);
  return {
    day,
    month: `${day.slice(0, 7)}-01`,
    dayResetsAt: new Date(Date.UTC(y, m, d + 1)),
    monthResetsAt: new Date(Date.UTC(y, m + 1, 1)),
  };
}

/** A channel-type quota as it stands: limits, what the current periods used, and when they end. */
export interface QuotaStanding {
  dailyLimit: number | null;
  monthlyLimit: number | null;
  dayUsed: number;
  monthUsed: number;
  dayResetsAt: Date;
  monthResetsAt: Date;
}

/** The period a send would overrun, its limit and use, and when it ends. */
export interface QuotaOverrun {
  period: "day" | "month";
  limit: number;
  used: number;
  resetsAt: Date;
}

/**
 * Whether a send of `n` messages firing at `at` is known now to pass the quota when it fires: it
 * is larger than a limit (no period can take it), or it fires before the current period ends and
 * what is left of that period is already too little (use only grows within a period). Anything
 * else is decided when it fires.
 */
export function knownOverrun(q: QuotaStanding, n: number, at: Date): QuotaOverrun | undefined {
  const periods = [
    { period: "day" as const, limit: q.dailyLimit, used: q.dayUsed, resetsAt: q.dayResetsAt },
    { period: "month" as const, limit: q.monthlyLimit, used: q.monthUsed, resetsAt: q.monthResetsAt },
  ];
  for (const p of periods) {
    if (p.limit === null) continue;
    if (n > p.limit || (at < p.resetsAt && p.used + n > p.limit))
      return { period: p.period, limit: p.limit, used: p.used, resetsAt: p.resetsAt };
  }
  return undefined;
}
