/**
 * Contacts from the Account API: `GET /v1/contacts/?filter=
 * group_id:in:<ids>` with the platform's list grammar (skip/limit paging,
 * field:op:value filters, sort). The service authenticates with its own token and names the
 * tenant in x-account-ids, as the gateway does for users.
 *
 * Each page is retried a few times with backoff on network errors, 429 and 5xx; a 4xx is a
 * configuration or permission problem that retrying will not fix. Either way the caller gets a
 * ContactSourceError saying what went wrong (never the token).
 */

import { request } from "undici";
import { z } from "zod";
import type { ContactPage } from "../../../core/campaign/contact.js";
import type { CampaignContact } from "../../../core/campaign/contact.js";
import type { Logger } from "../../../core/logger.js";
import { ContactSourceError, type ContactSource } from "./contact-source.js";

const contactSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    name: z.string().nullish(),
    full_name: z.string().nullish(),
    first_name: z.string().nullish(),
    last_name: z.string().nullish(),
    given_name: z.string().nullish(),
    family_name: z.string().nullish(),
    phone: z.string().nullish(),
    phone_number: z.string().nullish(),
    email: z.string().nullish(),
    metadata: z.record(z.string(), z.unknown()).nullish(),
    attributes: z.record(z.string(), z.unknown()).nullish(),
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
const listSchema = z.array(contactSchema);
/** A bare list, or the platform's page envelope ({items, total}); some services say `data`. */
const pageSchema = z.union([
  listSchema.transform((items) => ({ items, total: undefined as number | undefined })),
  z.object({ items: listSchema, total: z.number().int().optional() }).loose(),
  z
    .object({ data: listSchema, total: z.number().int().optional() })
    .loose()
    .transform((p) => ({ items: p.data, total: p.total })),
]);

function toContact(c: z.infer<typeof contactSchema>): CampaignContact {
  const joined = [c.first_name ?? c.given_name, c.last_name ?? c.family_name].filter(Boolean).join(" ");
  return {
    id: c.id,
    name: c.name ?? c.full_name ?? (joined || null),
    phone: c.phone ?? c.phone_number ?? null,
    email: c.email ?? null,
    metadata: { ...(c.custom_fields ?? {}), ...(c.attributes ?? {}), ...(c.metadata ?? {}) },
  };
}

export interface AccountApiOptions {
  baseUrl: string;
  token?: string;
  /** Tries per page (1 = no retry). */
  attempts?: number;
  timeoutMs?: number;
  backoffMs?: number;
  log?: Logger;
}

export class AccountApiContactSource implements ContactSource {
  readonly name = "account_api";
  constructor(private readonly opts: AccountApiOptions) {}

  async page(q: { accountId: string; groupIds: string[] }, cursor: string | null, size: number): Promise<ContactPage> {
    const skip = cursor === null ? 0 : Number(cursor);
    const url = new URL("/v1/contacts/", this.opts.baseUrl);
    url.searchParams.append("filter", `group_id:in:${q.groupIds.join(",")}`);
    url.searchParams.set("sort", "id:asc");
    url.searchParams.set("skip", String(skip));
    url.searchParams.set("limit", String(size));
    const body = await this.fetchWithRetry(url, q.accountId);
    const parsed = pageSchema.safeParse(body);
    if (!parsed.success)
      throw new ContactSourceError(
        `Account API answered an unexpected contact list shape: ${parsed.error.issues[0]?.message ?? "invalid"}`,
        false,
      );
    const { items: list, total } = parsed.data;
    const next = skip + list.length;
    const last = list.length < size || (total !== undefined && next >= total);
    return { contacts: list.map(toContact), nextCursor: last ? null : String(next) };
  }

  private async fetchWithRetry(url: URL, accountId: string): Promise<unknown> {
    const attempts = this.opts.attempts ?? 4;
    let lastError = "";
    for (let i = 1; i <= attempts; i++) {
      try {
        const res = await request(url, {
          method: "GET",
          headers: {
            accept: "application/json",
            "x-account-ids": accountId,
            ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
          },
          headersTimeout: this.opts.timeoutMs ?? 10_000,
          bodyTimeout: this.opts.timeoutMs ?? 10_000,
        });
        if (res.statusCode === 200) return await res.body.json();
        const text = (await res.body.text()).slice(0, 200);
        lastError = `Account API answered ${res.statusCode} for ${url.pathname}: ${text}`;
        if (res.statusCode !== 429 && res.statusCode < 500) throw new ContactSourceError(lastError, false);
      } catch (err) {
        if (err instanceof ContactSourceError) throw err;
        lastError = `Account API at ${url.origin} unreachable: ${err instanceof Error ? err.message : String(err)}`;
      }
      this.opts.log?.warn({ attempt: i, attempts, err: lastError }, "contact page fetch failed");
      if (i < attempts) await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 250) * 2 ** (i - 1)));
    }
    throw new ContactSourceError(`${lastError} (after ${attempts} attempts)`, true);
  }
}
