import type { Dispatcher } from "undici";
import type { z } from "zod";
import { createLogger, type Logger } from "../../core/logger.js";
import type { HttpAdapterOptions } from "./contract.js";
import { parseCredentials } from "./credentials.js";
import { httpCall, type HttpCall, type HttpReply } from "./http.js";
import { Redactor } from "./secrets.js";
import { SendError } from "./send-error.js";
import type { ChannelHealth } from "./types.js";

/**
 * Shared plumbing for HTTP adapters: options, credential parsing, redacted calls, and the
 * verify/health pair built on one cheap authenticated probe request per provider.
 */
export abstract class HttpAdapterBase<S extends z.ZodType> {
  protected readonly dispatcher: Dispatcher | undefined;
  protected readonly baseUrl: string;
  protected readonly logger: Logger;
  protected readonly now: () => Date;

  abstract readonly credentialsSchema: S;
  abstract readonly secretFields: readonly string[];

  protected constructor(opts: HttpAdapterOptions, defaults: { baseUrl: string; name: string }) {
    this.dispatcher = opts.dispatcher;
    this.baseUrl = (opts.baseUrl ?? defaults.baseUrl).replace(/\/+$/, "");
    this.logger = opts.logger ?? createLogger(`adapter.${defaults.name}`);
    this.now = opts.now ?? (() => new Date());
  }

  protected creds(input: unknown): z.infer<S> {
    try {
      return parseCredentials(this.credentialsSchema, input);
    } catch (err) {
      if (err instanceof SendError) this.logRefusal(err, {});
      throw err;
    }
  }

  protected redactor(creds: z.infer<S>): Redactor {
    return Redactor.for(creds as Record<string, unknown>, this.secretFields);
  }

  protected http(creds: z.infer<S>, call: HttpCall): Promise<HttpReply> {
    return httpCall({ dispatcher: this.dispatcher, logger: this.logger, provider: this.providerName() }, this.redactor(creds), call);
  }

  protected abstract providerName(): string;

  /** A cheap authenticated request (getMe, account info, balance); throws SendError on failure. */
  protected abstract probe(creds: z.infer<S>): Promise<void>;

  async verifyCredentials(credentials: unknown): Promise<boolean> {
    const creds = this.creds(credentials);
    try {
      await this.probe(creds);
      return true;
    } catch (err) {
      // A definite "no" from the provider is an answer; an outage is not, so it propagates.
      if (err instanceof SendError && err.kind === "permanent") return false;
      throw err;
    }
  }

  async checkHealth(credentials: unknown): Promise<ChannelHealth> {
    const started = performance.now();
    try {
      await this.probe(this.creds(credentials));
      return { status: "connected", latencyMs: Math.round(performance.now() - started), errorMessage: null };
    } catch (err) {
      const e = err instanceof SendError ? err : new SendError({ kind: "retryable", code: "unknown", message: String(err) });
      const unreachable = e.code === "provider_unreachable";
      return { status: unreachable ? "disconnected" : "error", latencyMs: null, errorMessage: `${e.code}: ${e.message}` };
    }
  }

  protected logRefusal(err: SendError, context: Record<string, unknown>): SendError {
    this.logger.info({ provider: this.providerName(), code: err.code, kind: err.kind, ...context }, "send refused");
    return err;
  }
}

export function parseForm(rawBody: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawBody)) out[k] = v;
  return out;
}

export function parseJsonBody(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    return undefined;
  }
}
