/**
 * The structured logger every process writes with (pino): fields that may carry secrets are redacted,
 * and each line written while a request or event is handled names its trace.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { pino, type Logger } from "pino";

/** Context carried through one request or event so every log line names its trace. */
export interface TraceContext {
  traceId: string;
  traceparent?: string;
}

const traceStore = new AsyncLocalStorage<TraceContext>();

export function withTrace<T>(ctx: TraceContext, fn: () => T): T {
  return traceStore.run(ctx, fn);
}

export function currentTrace(): TraceContext | undefined {
  return traceStore.getStore();
}

/**
 * Field paths that may carry secrets. pino replaces them before serialising, so a secret
 * handed to a log call by mistake still never reaches the output.
 */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "*.*.token",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "api_key",
  "*.api_key",
  "authToken",
  "*.authToken",
  "auth_token",
  "*.auth_token",
  "accessToken",
  "*.accessToken",
  "access_token",
  "*.access_token",
  "appSecret",
  "*.appSecret",
  "app_secret",
  "*.app_secret",
  "credentials",
  "*.credentials",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  'req.headers["dapr-api-token"]',
  'headers["dapr-api-token"]',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
];

export function createLogger(name: string, opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? "info";
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    // Each line written while a request or event is being handled carries its trace id.
    mixin() {
      const ctx = traceStore.getStore();
      return ctx ? { traceId: ctx.traceId } : {};
    },
    base: { pid: process.pid, service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export type { Logger };
