/**
 * The fetch the typed client sends every request through: it adds the credentials, gives each
 * creating POST that honours an Idempotency-Key a key unless the caller set one (the same key on
 * every attempt of that call, so a retry can never create twice), and retries per retry.ts within
 * a bounded number of attempts. The body is read once and resent as is on each attempt.
 */

import {
  delayBefore,
  honoursIdempotencyKey,
  isRepeatable,
  retryAfterMs,
  RETRY_STATUSES,
  type RetryPolicy,
} from "./retry.js";

export interface TransportOptions {
  apiKey?: string;
  bearerToken?: string;
  policy: RetryPolicy;
  /** Give keyed POSTs sent without an Idempotency-Key a generated one (true unless turned off). */
  idempotencyKeys: boolean;
  fetch: (request: Request) => Promise<Response>;
  sleep: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const aborted = (err: unknown) => err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");

export function resilientFetch(opts: TransportOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = new Headers(request.headers);
    if (opts.apiKey && !headers.has("x-api-key")) headers.set("x-api-key", opts.apiKey);
    if (opts.bearerToken && !headers.has("authorization")) headers.set("authorization", `Bearer ${opts.bearerToken}`);
    if (opts.idempotencyKeys && honoursIdempotencyKey(request.method, request.url) && !headers.has("idempotency-key"))
      headers.set("idempotency-key", crypto.randomUUID());
    const body = request.body ? await request.arrayBuffer() : undefined;
    const attempt = () =>
      opts.fetch(new Request(request.url, { method: request.method, headers, body, signal: request.signal }));
    const repeatable = isRepeatable(request.method, request.url, headers);

    for (let n = 1; ; n++) {
      const last = n > opts.policy.retries;
      let response: Response;
      try {
        response = await attempt();
      } catch (err) {
        if (last || !repeatable || aborted(err)) throw err;
        await opts.sleep(delayBefore(n, opts.policy, undefined));
        continue;
      }
      if (last || !RETRY_STATUSES.has(response.status)) return response;
      const wait = delayBefore(n, opts.policy, retryAfterMs(response.headers.get("retry-after")));
      await response.body?.cancel();
      await opts.sleep(wait);
    }
  };
}
