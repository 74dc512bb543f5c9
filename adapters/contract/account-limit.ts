/**
 * Limits a provider applies to a whole account, shared by every channel that uses it (several
 * channels on one Twilio account draw from one account-wide rate). The channel actor asks the
 * account's limiter for tokens on top of its own bucket, and the campaign fan-out plans for the
 * lower of the two rates. A channel can override the account's rate with
 * metadata.provider_account_rate_per_minute (a contract with the provider above the default).
 */

export interface AccountLimit {
  /** Which credential field identifies the provider account (the limiter's scope). */
  accountField: string;
  ratePerMinute: number;
  burst: number;
}

/** What the dispatcher asks the limiter for: one bucket per provider account. */
export interface AccountLimiterScope {
  scope: string;
  ratePerMinute: number;
  burst: number;
}

/** The account's rate for a channel: the channel's override when it has a positive one, the provider's otherwise. */
export function accountRate(limit: AccountLimit, metadata: Record<string, unknown>): number {
  const override = Number(metadata.provider_account_rate_per_minute);
  return Number.isFinite(override) && override > 0 ? override : limit.ratePerMinute;
}

/**
 * The limiter scope and limit for a channel, or undefined when its credentials name no account.
 * The burst never exceeds one second of the (possibly lowered) rate.
 */
export function accountScope(
  provider: string,
  limit: AccountLimit,
  credentials: Record<string, unknown>,
  metadata: Record<string, unknown>,
): AccountLimiterScope | undefined {
  const account = credentials[limit.accountField];
  if (typeof account !== "string" || !account) return undefined;
  const ratePerMinute = accountRate(limit, metadata);
  return {
    scope: `provider:${provider}:${account}`,
    ratePerMinute,
    burst: Math.max(1, Math.min(limit.burst, Math.ceil(ratePerMinute / 60))),
  };
}
