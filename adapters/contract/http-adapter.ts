/**
 * Shared plumbing for HTTP adapters: identity, options, credential parsing, redacted calls, and
 * the verify/health pair built on one cheap authenticated probe request per provider.
 */

import type { Dispatcher } from "undici";
import type { z } from "zod";
import { createLogger, type Logger } from "../../core/logger.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { HttpAdapterOptions } from "./contract.js";
import { parseCredentials } from "./credentials.js";
import { httpCall, type HttpCall, type HttpReply } from "./http.js";
import { providerKey } from "./plugin.js";
import { healthByProbe, verifyByProbe } from "./probe.js";
import { Redactor } from "./secrets.js";
import { SendError } from "../../core/dispatch/send-error.js";
import type { ChannelHealth, CredentialCheck } from "./types.js";

export abstract class HttpAdapterBase<S extends z.ZodType> {
  readonly channelType: ChannelType;
  readonly provider: string;
  protected readonly dispatcher: Dispatcher | undefined;
  protected readonly baseUrl: string;
  protected readonly logger: Logger;
  protected readonly now: () => Date;
  /** The provider's name in logs (providerKey: "twilio", "telegram"). */
  protected readonly providerName: string;

  abstract readonly credentialsSchema: S;
  abstract readonly secretFields: readonly string[];

  protected constructor(
    opts: HttpAdapterOptions,
    identity: { channelType: ChannelType; provider: string; baseUrl: string },
  ) {
    this.channelType = identity.channelType;
    this.provider = identity.provider;
    this.providerName = providerKey(identity);
    this.dispatcher = opts.dispatcher;
    this.baseUrl = (opts.baseUrl ?? identity.baseUrl).replace(/\/+$/, "");
    this.logger = opts.logger ?? createLogger(`adapter.${this.providerName}`);
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
    return httpCall(
      { dispatcher: this.dispatcher, logger: this.logger, provider: this.providerName },
      this.redactor(creds),
      call,
    );
  }

  /** A cheap authenticated request (getMe, account info, balance); throws SendError on failure. */
  protected abstract probe(creds: z.infer<S>): Promise<void>;

  async verifyCredentials(credentials: unknown): Promise<CredentialCheck> {
    const creds = this.creds(credentials);
    return verifyByProbe(() => this.probe(creds));
  }

  checkHealth(credentials: unknown): Promise<ChannelHealth> {
    return healthByProbe(() => this.probe(this.creds(credentials)));
  }

  protected logRefusal(err: SendError, context: Record<string, unknown>): SendError {
    this.logger.info({ provider: this.providerName, code: err.code, kind: err.kind, ...context }, "send refused");
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
