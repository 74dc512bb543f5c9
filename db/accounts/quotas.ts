/** A tenant account's send quota (account_quotas), if it has one; LimiterActor counts against it. */

import type { Database } from "../client.js";

export interface AccountQuota {
  dailyLimit: number | null;
  monthlyLimit: number | null;
}

export async function accountQuota(db: Database, accountId: string): Promise<AccountQuota | undefined> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<{ daily_limit: number | null; monthly_limit: number | null }>(
      `SELECT daily_limit, monthly_limit FROM account_quotas WHERE account_id = $1`,
      [accountId],
    );
    const r = rows[0];
    return r ? { dailyLimit: r.daily_limit, monthlyLimit: r.monthly_limit } : undefined;
  });
}
