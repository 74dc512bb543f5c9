/**
 * The structured logger every process writes with (pino): fields that may carry secrets are redacted,
 * personal data (phone numbers, e-mail addresses, message bodies) is masked unless LOG_PII says
 * otherwise, and each line written while a request or event is handled names its trace.
 *
 * Both are decided by field name at any depth of what a call logs (and of a child's bindings), so
 * a credentials object handed to a log call under any key, or a message row with its address and
 * body, is cleaned however it is nested: a list of paths only covers the call sites it foresaw.
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

const CENSOR = "[redacted]";

/**
 * Field names (lower-cased) whose values are secrets: every provider's secret credential fields
 * (bot_token, webhook_token, webhook_secret, api_key, api_secret, signature_secret, auth_token,
 * access_token, page_access_token, app_secret, verify_token, smtp_password, password), tokens and
 * keys of our own, and request headers that authenticate (authorization, cookies, signatures).
 */
const SECRET_NAME =
  /(password|passwd|secret|token|apikey|api_key|api-key|authorization|cookie|signature(-\d+)?)$|^(credentials|private_key|privatekey)$/;

/** Field names (lower-cased) that hold a phone number or an e-mail address. */
const ADDRESS_NAMES = new Set([
  "deliveryaddress",
  "delivery_address",
  "to",
  "from",
  "address",
  "phone",
  "email",
  "sender",
  "recipient",
]);

/** Field names (lower-cased) that hold what a message says. */
const BODY_NAMES = new Set(["body", "messagebody", "message_body", "text"]);

/** Enough of an address to tell log lines apart: an e-mail's domain, a number's last three digits. */
export function maskAddress(value: string): string {
  const at = value.lastIndexOf("@");
  if (at > 0) return `${value[0]}***${value.slice(at)}`;
  return value.length > 5 ? `***${value.slice(-3)}` : "***";
}

const MAX_DEPTH = 10;

function isPlain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy of `value` with secrets redacted and, when `maskPii`, addresses and bodies masked. */
function clean(value: unknown, maskPii: boolean, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => clean(v, maskPii, depth + 1));
  if (!isPlain(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = key.toLowerCase();
    if (v === null || v === undefined || typeof v === "boolean") out[key] = v;
    else if (SECRET_NAME.test(name)) out[key] = CENSOR;
    else if (maskPii && typeof v === "string" && ADDRESS_NAMES.has(name)) out[key] = maskAddress(v);
    else if (maskPii && typeof v === "string" && BODY_NAMES.has(name)) out[key] = `[${[...v].length} characters]`;
    else out[key] = clean(v, maskPii, depth + 1);
  }
  return out;
}

type ChildFn = (this: Logger, bindings: Record<string, unknown>, options?: object) => Logger;

const truthy = (v: string | undefined) => v === "true" || v === "1" || v === "yes";

export function createLogger(
  name: string,
  opts: { level?: string; destination?: NodeJS.WritableStream; logPii?: boolean } = {},
): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? "info";
  const maskPii = !(opts.logPii ?? truthy(process.env.LOG_PII));
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: (obj: Record<string, unknown>) => clean(obj, maskPii, 0) as Record<string, unknown> },
    // Each line written while a request or event is being handled carries its trace id.
    mixin() {
      const ctx = traceStore.getStore();
      return ctx ? { traceId: ctx.traceId } : {};
    },
    base: { pid: process.pid, service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
  // A child's bindings are written on each of its lines without passing the log formatter. Children
  // inherit this override (each is created from its parent), so grandchildren are cleaned too.
  const protoChild = (Object.getPrototypeOf(logger) as { child: ChildFn }).child;
  const cleaningChild: ChildFn = function (this: Logger, bindings, childOpts) {
    return protoChild.call(this, clean(bindings, maskPii, 0) as Record<string, unknown>, childOpts);
  };
  (logger as unknown as { child: ChildFn }).child = cleaningChild;
  return logger;
}

export type { Logger };
