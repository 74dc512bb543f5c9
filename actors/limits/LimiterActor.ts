/**
 * Limits several channels share: the actor that holds a provider account's rate and an account's daily
 * and monthly send quota.
 */

import { AbstractActor } from "@dapr/dapr";
import { consumeQuota, emptyQuota, type QuotaState } from "../../core/dispatch/quota.js";
import { newBucket, take, type TokenBucketState } from "../../core/dispatch/token-bucket.js";
import { readState } from "../state.js";

const QUOTA = "quota";

/**
 * A limit shared by several channels, one actor per scope: `provider:<provider>:<tenant>:<account>`
 * for a tenant's provider account's rate (a token bucket, in memory: a fresh activation starts
 * nearly empty, so it errs on the slow side; its rate comes from server-side settings, never from
 * a channel's), `quota:<account id>` for an account's daily and monthly quota (counted in
 * persisted state, so it stays exact across deactivations). Channel actors call it once per send
 * turn, never once per message.
 */
export class LimiterActor extends AbstractActor {
  private bucket?: TokenBucketState;

  async acquire(req: { n: number; ratePerMinute: number; burst: number }): Promise<{ granted: number }> {
    const now = Date.now();
    const cfg = { ratePerMinute: req.ratePerMinute, burst: req.burst };
    this.bucket ??= newBucket(cfg, now);
    const r = take(this.bucket, cfg, now, req.n);
    this.bucket = r.state;
    return { granted: r.granted };
  }

  async consume(req: {
    n: number;
    dailyLimit?: number | null;
    monthlyLimit?: number | null;
  }): Promise<{ granted: number }> {
    const state = await readState<QuotaState>(this, QUOTA, emptyQuota());
    const r = consumeQuota(state, req, new Date(), req.n);
    await this.getStateManager<QuotaState>().setState(QUOTA, r.state);
    return { granted: r.granted };
  }
}
