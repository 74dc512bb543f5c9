/**
 * Test support: a provider's HTTP API played in process, so adapter tests never reach the network.
 */

import { MockAgent } from "undici";

export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ProviderReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A provider stand-in on undici's MockAgent with the network disabled: an unexpected request
 * fails loudly instead of leaving the machine. Every request that reaches it is captured.
 */
export class MockProvider {
  readonly agent: MockAgent;
  readonly requests: CapturedRequest[] = [];

  constructor(readonly origin: string) {
    this.agent = new MockAgent();
    this.agent.disableNetConnect();
  }

  /** Answer the next matching request (or `times` of them) with a canned reply. */
  reply(method: string, path: string | RegExp | ((p: string) => boolean), reply: ProviderReply, times = 1): void {
    this.agent
      .get(this.origin)
      .intercept({ method, path })
      .reply((opts) => {
        this.requests.push(capture(opts));
        const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
        return {
          statusCode: reply.status,
          data: body,
          responseOptions: { headers: { "content-type": "application/json", ...reply.headers } },
        };
      })
      .times(times);
  }

  /**
   * Answer the next GET of `path` with raw bytes (a media download), on this origin or, with
   * `origin`, on another host the same agent plays (a CDN a media URL points to).
   */
  serveBytes(
    path: string | RegExp,
    bytes: Buffer,
    opts: { status?: number; headers?: Record<string, string>; origin?: string } = {},
  ): void {
    this.agent
      .get(opts.origin ?? this.origin)
      .intercept({ method: "GET", path })
      .reply((req) => {
        this.requests.push(capture(req));
        return { statusCode: opts.status ?? 200, data: bytes, responseOptions: { headers: opts.headers ?? {} } };
      });
  }

  /** Fail the next matching request at the socket level, as a refused connection would. */
  replyWithNetworkError(method: string, path: string | RegExp | ((p: string) => boolean), code = "ECONNRESET"): void {
    const err = Object.assign(new Error(`socket hang up (${code})`), { code });
    this.agent.get(this.origin).intercept({ method, path }).replyWithError(err);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function capture(opts: { method: string; path: string; headers?: unknown; body?: unknown }): CapturedRequest {
  const headers: Record<string, string> = {};
  const raw = opts.headers;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) headers[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) headers[k.toLowerCase()] = String(v);
  }
  const body = typeof opts.body === "string" ? opts.body : Buffer.isBuffer(opts.body) ? opts.body.toString("utf8") : "";
  return { method: opts.method, path: opts.path, headers, body };
}
