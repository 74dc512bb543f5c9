/**
 * Limits a provider applies to a whole account, shared by every channel that uses it (seed 000
 * §6: several channels on one Twilio account). The channel actor asks the account's limiter for
 * tokens on top of its own bucket. A channel can override the rate with
 * metadata.provider_account_rate_per_minute.
 */
export interface AccountLimit {
  /** Which credential field identifies the provider account. */
  accountField: string;
  ratePerMinute: number;
  burst: number;
}

export const PROVIDER_ACCOUNT_LIMITS: Record<string, AccountLimit> = {
  // Twilio queues per account and sender; the seed's planning figure is 100 messages/s per account.
  // https://www.twilio.com/docs/sms/api/message-resource (rate limits: "Messages per second")
  twilio: { accountField: "account_sid", ratePerMinute: 6_000, burst: 100 },
  // Vonage SMS API: 30 requests per second per API key by default.
  // https://api.support.vonage.com/hc/en-us/articles/203993598
  vonage: { accountField: "api_key", ratePerMinute: 1_800, burst: 30 },
  // Africa's Talking bulk SMS: accounts are throttled per username; we plan for 50 requests/s.
  // https://developers.africastalking.com/docs/sms/sending
  africastalking: { accountField: "username", ratePerMinute: 3_000, burst: 50 },
};

/** The limiter scope and limit for a channel, or undefined if its provider has no account-wide limit. */
export function accountLimitFor(
  provider: string,
  credentials: Record<string, unknown>,
  metadata: Record<string, unknown>,
): { scope: string; ratePerMinute: number; burst: number } | undefined {
  const limit = PROVIDER_ACCOUNT_LIMITS[provider];
  if (!limit) return undefined;
  const account = credentials[limit.accountField];
  if (typeof account !== "string" || !account) return undefined;
  const override = Number(metadata.provider_account_rate_per_minute);
  const ratePerMinute = Number.isFinite(override) && override > 0 ? override : limit.ratePerMinute;
  return { scope: `provider:${provider}:${account}`, ratePerMinute, burst: Math.max(1, Math.min(limit.burst, Math.ceil(ratePerMinute / 60))) };
}
