/**
 * @turumba/client: a typed client of the Turumba Messaging REST API. The types (schema.d.ts) are
 * generated from the API's OpenAPI document; the calls are openapi-fetch's, sent through a
 * transport that authenticates, adds Idempotency-Keys and retries (transport.ts), plus an async
 * iterator over list pages (paginate.ts).
 */

import createClient, { type Client } from "openapi-fetch";
import { paginate, type ListPath, type ListQuery, type Page } from "./paginate.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import type { components, operations, paths } from "./schema.js";
import { resilientFetch, sleep } from "./transport.js";

export { TurumbaApiError } from "./errors.js";
export { retryAfterMs } from "./retry.js";
export type { components, operations, paths, ListPath, ListQuery, Page };

export interface TurumbaClientOptions {
  /** Where the API answers, e.g. http://127.0.0.1:3000 (paths start with /v1). */
  baseUrl: string;
  /** An account's API key (X-API-Key) ... */
  apiKey?: string;
  /** ... or an access token (Authorization: Bearer). */
  bearerToken?: string;
  /** Further attempts after the first on 429/503 and, for calls safe to repeat, network errors (default 3). */
  retries?: number;
  /** The longest wait between attempts, Retry-After included (default 30 s). */
  maxRetryDelayMs?: number;
  /** First wait when the server names none; doubles per attempt (default 250 ms). */
  retryBaseDelayMs?: number;
  /** Generate an Idempotency-Key for each creating POST that honours one, when sent without (default true). */
  idempotencyKeys?: boolean;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Replaces globalThis.fetch (tests, proxies). */
  fetch?: (request: Request) => Promise<Response>;
  /** Replaces the wait between attempts (tests). */
  sleep?: (ms: number) => Promise<void>;
}

export interface TurumbaClient extends Client<paths> {
  /** Every page of a list endpoint, from query.skip (default 0) on. */
  paginate<P extends ListPath>(path: P, query?: ListQuery<P>): AsyncGenerator<Page<P>, void, undefined>;
}

export function createTurumbaClient(options: TurumbaClientOptions): TurumbaClient {
  const policy: RetryPolicy = {
    retries: options.retries ?? DEFAULT_RETRY.retries,
    maxDelayMs: options.maxRetryDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
  };
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: options.headers,
    // The API takes repeatable filter/sort parameters as filter=a&filter=b.
    querySerializer: { array: { style: "form", explode: true } },
    fetch: resilientFetch({
      apiKey: options.apiKey,
      bearerToken: options.bearerToken,
      policy,
      idempotencyKeys: options.idempotencyKeys ?? true,
      fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
      sleep: options.sleep ?? sleep,
    }),
  });
  return Object.assign(client, {
    paginate: <P extends ListPath>(path: P, query?: ListQuery<P>) => paginate(client, path, query),
  });
}
