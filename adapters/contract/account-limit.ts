/**
 * Limits a provider applies to a whole account, shared by every channel that uses it (several
 * channels on one Twilio account draw from one account-wide rate). The channel actor asks the
 * account's limiter for tokens on top of its own bucket, and the campaign fan-out plans for the
 * lower of the two rates.
 *
 * The limiter is scoped per tenant: the provider account's id (a Twilio SID, a Vonage key) is not
 * a secret, so a bucket shared across tenants would let one tenant that names another's SID drain
 * or reshape the victim's bucket. The rate is server-side: the plugin's documented default, or the
 * operator's PROVIDER_ACCOUNT_RATES for a contracted rate. Channel metadata cannot change it.
 */

import { z } from "zod";

export interface AccountLimit {
  /** Which credential field identifies the provider account (part of the limiter's scope). */
  accountField: string;
  ratePerMinute: number;
  burst: number;
}

/** What the dispatcher asks the limiter for: one bucket per tenant and provider account. */
export interface AccountLimiterScope {
  scope: string;
  ratePerMinute: number;
  burst: number;
}

/** The operator's provider account rates per minute, by provider key ("twilio"). */
export type AccountRates = Readonly<Record<string, number>>;

const AccountRatesSchema = z.record(z.string().min(1), z.number().positive().finite());

/** Parses PROVIDER_ACCOUNT_RATES (a JSON object of provider key → rate per minute); throws on anything else. */
export function parseAccountRates(json: string | undefined): AccountRates {
  if (!json) return {};
  const parsed = AccountRatesSchema.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new Error(`PROVIDER_ACCOUNT_RATES: expected {"<provider>": <rate per minute>, …}: ${parsed.error.message}`);
  return parsed.data;
}

/** The account's rate for a provider: the operator's setting when there is one, the provider's default otherwise. */
export function accountRate(provider: string, limit: AccountLimit, rates: AccountRates): number {
  return rates[provider] ?? limit.ratePerMinute;
}

/**
 * The limiter scope and limit for a tenant's channel, or undefined when its credentials name no
 * provider account. The burst never exceeds one second of the (possibly lowered) rate.
 */
export function accountScope(
  provider: string,
  limit: AccountLimit,
  tenantAccountId: string,
  credentials: Record<string, unknown>,
  rates: AccountRates,
): AccountLimiterScope | undefined {
  const account = credentials[limit.accountField];
  if (typeof account !== "string" || !account) return undefined;
  const ratePerMinute = accountRate(provider, limit, rates);
  return {
    scope: `provider:${provider}:${tenantAccountId}:${account}`,
    ratePerMinute,
    burst: Math.max(1, Math.min(limit.burst, Math.ceil(ratePerMinute / 60))),
  };
}
