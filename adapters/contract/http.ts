/**
 * The HTTP client of every HTTP adapter (undici): one exchange with a provider under a timeout, logged
 * with secrets redacted, and the helpers adapters build request bodies and URLs with.
 */

import { randomBytes } from "node:crypto";
import { request, type Dispatcher } from "undici";
import type { Logger } from "../../core/logger.js";
import { networkFailure, parseRetryAfter } from "./classify.js";
import type { Redactor } from "./secrets.js";

export interface HttpCall {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Per-call timeout; a provider that hangs is a retryable failure, not a stuck actor. */
  timeoutMs?: number;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  retryAfterMs: number | null;
}

export interface HttpClientDeps {
  dispatcher?: Dispatcher;
  logger: Logger;
  provider: string;
}

/**
 * One HTTP exchange with a provider. Network failures become retryable SendErrors; HTTP error
 * statuses are returned so each adapter can read the provider's own error body before classifying.
 * The log line carries method, redacted URL, status and latency — never headers or bodies.
 */
export async function httpCall(deps: HttpClientDeps, redactor: Redactor, call: HttpCall): Promise<HttpReply> {
  const started = performance.now();
  const safeUrl = redactor.text(call.url);
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      dispatcher: deps.dispatcher,
      headersTimeout: call.timeoutMs ?? 15_000,
      bodyTimeout: call.timeoutMs ?? 15_000,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    deps.logger.debug(
      {
        provider: deps.provider,
        method: call.method,
        url: safeUrl,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      },
      "provider call",
    );
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json,
      retryAfterMs: parseRetryAfter(res.headers["retry-after"]),
    };
  } catch (err) {
    const failure = networkFailure(err, (t) => redactor.text(t));
    deps.logger.warn(
      {
        provider: deps.provider,
        method: call.method,
        url: safeUrl,
        code: failure.providerCode,
        ms: Math.round(performance.now() - started),
      },
      "provider call failed",
    );
    throw failure;
  }
}

export function formBody(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.append(key, value);
  return params.toString();
}

/**
 * A multipart/form-data body of text fields and one file part (a provider's media upload), built
 * in memory: the objects uploaded are capped by the provider's own limits (WhatsApp: 100 MB).
 */
export function multipartBody(
  fields: Record<string, string>,
  file: { field: string; filename: string; contentType: string; bytes: Buffer },
): { body: Buffer; contentType: string } {
  const boundary = `----turumba${randomBytes(12).toString("hex")}`;
  const quote = (v: string) => v.replace(/["\r\n]/g, "_");
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\n` +
        `Content-Type: ${file.contentType}\r\n\r\n`,
    ),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
