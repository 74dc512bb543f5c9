/**
 * Provider webhook receivers: POST /webhooks/{channel_type}/{channel_id} for every channel type
 * with callbacks, and GET for verification handshakes (Meta's) and for providers whose plugin
 * accepts GET callbacks. There is no user authentication: the provider's signature, checked with
 * that channel's secret, is the authentication. A request is answered as soon as its events are
 * on the broker, or, with the durable intake (WEBHOOK_ACKNOWLEDGE=stored, intake.ts), as soon as
 * they are committed to PostgreSQL, which publishes them afterwards. Parsing the payload into
 * normalised events is in-memory work, and everything that touches messages, contacts and
 * conversations happens in the consumers (services/status). The one exception is media whose bytes
 * come in the request (an inbound e-mail's attachments): they are written to the media store before
 * the answer (carried-media.ts says why).
 *
 *   too many requests on the channel's path, or on unknown ids → 429 with Retry-After (before any
 *                                   lookup or body read: rate-gate.ts)
 *   unknown or disabled channel, or one that takes no webhooks (SMPP) → 404 (the body is not read)
 *   a body the adapter cannot read at all (a MIME message that does not parse) → 400
 *   no signature → 401      forged signature → 403
 *   signed outside the freshness window (providers that sign a timestamp) → 403 signature_stale
 *   replay (same event seen before)   → 200 and dropped
 *   broker refused the publish        → 503, so the provider retries and nothing is lost
 *   a retry of a request still publishing here (the provider stopped waiting for it) → waits for
 *                                   that publish: a replay once it succeeded, published anew if it
 *                                   failed (a 200 before then would acknowledge an event that may
 *                                   never reach the broker)
 *
 * `channel_type` in the path is the channel's type (sms for every SMS provider) or its provider
 * key (twilio). Everything provider-specific comes from the channel's plugin (adapters/registry.ts).
 * Mount under /webhooks.
 */

import { randomUUID } from "node:crypto";
import express, { Router, type ErrorRequestHandler, type Request, type Response } from "express";
import type { ChannelAdapter } from "../../adapters/contract/contract.js";
import { providerKey, type ProviderPlugin } from "../../adapters/contract/plugin.js";
import type { CarriedInbound, WebhookRequest } from "../../adapters/contract/types.js";
import { providerPlugin, webhookPathKeys } from "../../adapters/registry.js";
import type { Logger } from "../../core/logger.js";
import { INBOUND_MEDIA_KEY } from "../../core/media/inbound-media.js";
import type { InboundMessage } from "../../core/messages/vocabulary.js";
import type { EventPublisher } from "../../core/publisher.js";
import { newTraceparent } from "../../core/trace.js";
import {
  WEBHOOK_TOPICS,
  inboundDedupKey,
  inboundEventSchema,
  messageStatusEventSchema,
  statusDedupKey,
} from "../../core/webhooks/events.js";
import { webhookRequests, webhookResponse, webhookSignatureRejected } from "../metrics.js";
import type { CarriedMediaKeeper } from "./carried-media.js";
import type { ChannelCache, WebhookChannel } from "./channel-cache.js";
import type { WebhookDedup } from "./dedup.js";
import type { WebhookIntake } from "./intake.js";
import { DEFAULT_WEBHOOK_LIMITS, WebhookRateGate, type WebhookLimits } from "./rate-gate.js";

export interface ReceiverDeps {
  channels: ChannelCache;
  dedup: WebhookDedup;
  publisher: EventPublisher;
  /**
   * Set (WEBHOOK_ACKNOWLEDGE=stored): a request is answered once its events are committed to
   * PostgreSQL, and published afterwards; unset: once they are on the broker.
   */
  intake?: WebhookIntake;
  log: Logger;
  /** Public base URL the provider called (Twilio signs it); otherwise the request's own. */
  publicUrl?: string;
  bodyLimit?: string;
  /** How far a provider's signed timestamp may be from now, either way (ms). */
  maxAgeMs?: number;
  limits?: WebhookLimits;
  now?: () => number;
  /**
   * Keeps media whose bytes arrive in the request (inbound e-mail) in the media store; without it
   * such media are recorded as media_not_supported.
   */
  carriedMedia?: CarriedMediaKeeper;
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

const PATH_TYPES = webhookPathKeys();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Resolved {
  ch: WebhookChannel;
  plugin: ProviderPlugin;
  hasSignature: (req: WebhookRequest) => boolean;
}

interface Outgoing {
  key: string;
  topic: string;
  event: object;
}

export function webhookRouter(deps: ReceiverDeps): Router {
  const r = Router();
  const raw = express.raw({ type: () => true, limit: deps.bodyLimit ?? "1mb" });
  const generalLimitBytes = limitBytes(deps.bodyLimit ?? "1mb");
  /** Whether the request declares a body within the general limit (a chunked one declares none). */
  const withinGeneralLimit = (req: Request) => {
    const declared = Number(req.headers["content-length"]);
    return Number.isFinite(declared) && declared <= generalLimitBytes;
  };
  /** Parsers for providers whose webhooks may be larger than the body limit (inbound e-mail). */
  const largeRaw = new Map<number, ReturnType<typeof express.raw>>();
  const parserFor = (plugin: ProviderPlugin) => {
    const max = plugin.webhooks.maxBodyBytes;
    if (max === undefined) return raw;
    let p = largeRaw.get(max);
    if (!p) largeRaw.set(max, (p = express.raw({ type: () => true, limit: max })));
    return p;
  };
  // body-parser reports failures (413 and friends) as http-errors, which are Error instances.
  const readBody = (req: Request, res: Response, plugin: ProviderPlugin) =>
    new Promise<void>((resolve, reject) =>
      parserFor(plugin)(req, res, (err?: Error) => (err ? reject(err) : resolve())),
    );
  const loggedAt = new Map<string, number>();
  const now = deps.now ?? Date.now;
  const gate = new WebhookRateGate(deps.limits ?? DEFAULT_WEBHOOK_LIMITS, now);
  const maxAgeMs = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  /** Keys claimed by a request of this process whose publish has not finished: true once published. */
  const publishing = new Map<string, Promise<boolean>>();

  const claimOnce = (key: string) =>
    deps.dedup.claim(key).catch((err: unknown) => {
      // The replay guard is an optimisation: the consumers are idempotent, so without it we
      // publish rather than refuse the provider.
      deps.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        "webhook replay guard unavailable; publishing unchecked",
      );
      return true;
    });

  /**
   * "fresh" when this request now owns the key, "replay" when its event is on the broker already;
   * a key another request of this process is still publishing is decided once that publish ends.
   */
  const claim = async (key: string): Promise<"fresh" | "replay"> => {
    for (;;) {
      if (await claimOnce(key)) return "fresh";
      const inFlight = publishing.get(key);
      if (!inFlight || (await inFlight)) return "replay";
      // That publish failed and released the key: claim it for this request.
    }
  };

  const fail = (res: Response, status: number, code: string, detail: string) =>
    res.status(status).json({ detail, code });

  const tooMany = (res: Response, label: string, outcome: string, waitMs: number, detail: string) => {
    webhookRequests.inc({ channel_type: label, outcome });
    res.setHeader("Retry-After", String(Math.max(1, Math.ceil(waitMs / 1000))));
    fail(res, 429, "rate_limited", detail);
  };

  const REJECTION_REASON = {
    signature_missing: "missing",
    signature_invalid: "invalid",
    signature_stale: "stale",
  } as const;

  /** Signature failures are counted always, logged at most every 10 s per channel (floods stay cheap). */
  const noteRejection = (ch: WebhookChannel, reason: keyof typeof REJECTION_REASON) => {
    webhookSignatureRejected.inc({ channel_type: ch.channelType, reason: REJECTION_REASON[reason] });
    webhookRequests.inc({ channel_type: ch.channelType, outcome: reason });
    const now = Date.now();
    if ((loggedAt.get(ch.id) ?? 0) < now - 10_000) {
      loggedAt.set(ch.id, now);
      if (loggedAt.size > 10_000) loggedAt.clear();
      deps.log.warn(
        { channelId: ch.id, channelType: ch.channelType, reason },
        "webhook refused: signature check failed",
      );
    }
  };

  /**
   * The channel named by the path, if it exists, takes webhooks and matches the path's type; with
   * its plugin. The path's rate and the unknown-id budget are spent before the lookup.
   */
  const resolve = async (req: Request, res: Response): Promise<Resolved | undefined> => {
    const type = String(req.params.channelType);
    const id = String(req.params.channelId).toLowerCase();
    const label = PATH_TYPES.has(type) ? type : "unknown";
    const wellFormed = UUID.test(id) && PATH_TYPES.has(type);
    if (wellFormed) {
      const wait = gate.admitPath(id);
      if (wait > 0) {
        tooMany(res, label, "rate_limited", wait, "too many webhooks for this channel; retry later");
        return undefined;
      }
      const lookupWait = deps.channels.isFresh(id) ? 0 : gate.lookupWait();
      if (lookupWait > 0) {
        tooMany(res, label, "lookup_limited", lookupWait, "too many webhooks for unknown channels; retry later");
        return undefined;
      }
    }
    const ch = wellFormed ? await deps.channels.get(id) : undefined;
    if (wellFormed && !ch) gate.noteUnknown();
    const matches = ch && (ch.channelType === type || providerKey(ch) === type);
    const plugin = ch && providerPlugin(ch.channelType, ch.provider);
    const hasSignature = plugin?.webhooks.hasSignature;
    if (!ch || !matches || !ch.enabled || !plugin || !hasSignature) {
      webhookRequests.inc({ channel_type: label, outcome: "unknown_channel" });
      fail(res, 404, "channel_not_found", "no channel takes webhooks at this address");
      return undefined;
    }
    return { ch, plugin, hasSignature };
  };

  const toWebhookRequest = (req: Request): WebhookRequest => {
    const base = deps.publicUrl?.replace(/\/+$/, "") ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
    return {
      method: req.method,
      url: base + req.originalUrl,
      headers: req.headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "",
      ...(Buffer.isBuffer(req.body) ? { rawBytes: req.body } : {}),
    };
  };

  /**
   * Verifies, parses, de-duplicates and publishes. A fresh adapter instance per request: some
   * adapters drop ids they have parsed before (an in-process replay filter), which here would
   * swallow the provider's retry of a request we answered 503.
   */
  const receive = async (req: Request, res: Response, resolved: Resolved) => {
    const started = performance.now();
    // Read only now: a request for no channel, or over its rate, costs no body.
    const { ch, plugin } = resolved;
    const adapter = plugin.createAdapter({ logger: deps.log });
    // A body larger than the general limit (an inbound e-mail, up to its plugin's maxBodyBytes) is
    // read only once the URL's own credential verifies, so an unauthenticated caller cannot make
    // the receiver hold 30 MB per request.
    if (plugin.webhooks.maxBodyBytes !== undefined && !withinGeneralLimit(req)) {
      const head = toWebhookRequest(req);
      const signed = resolved.hasSignature(head);
      if (!signed || !(await verified(adapter, ch, head))) {
        const code = signed ? "signature_invalid" : "signature_missing";
        noteRejection(ch, code);
        fail(
          res,
          signed ? 403 : 401,
          code,
          "a webhook body this large is read only with the channel's token in the URL",
        );
        return;
      }
    }
    await readBody(req, res, plugin);
    const wreq = toWebhookRequest(req);

    if (!resolved.hasSignature(wreq)) {
      noteRejection(ch, "signature_missing");
      fail(res, 401, "signature_missing", "the request carries no signature for this channel");
      return;
    }
    if (!(await verified(adapter, ch, wreq))) {
      noteRejection(ch, "signature_invalid");
      fail(res, 403, "signature_invalid", "the request's signature does not verify with this channel's secret");
      return;
    }
    const signedAt = plugin.webhooks.signedAt?.(wreq);
    if (signedAt !== undefined && (signedAt === null || Math.abs(now() - signedAt) > maxAgeMs)) {
      noteRejection(ch, "signature_stale");
      fail(res, 403, "signature_stale", "the request was signed outside the accepted time window");
      return;
    }

    let carried: InboundMessage[];
    try {
      carried = await carriedInbound(ch, adapter, wreq);
    } catch (err) {
      if (!(err instanceof UnreadableRequest)) throw err;
      webhookRequests.inc({ channel_type: ch.channelType, outcome: "unreadable" });
      fail(res, 400, "bad_request", err.message);
      return;
    }
    const outgoing = buildEvents(ch, adapter, wreq, deps.log, carried);
    if (deps.intake) {
      const stored = await storeDurably(deps.intake, ch, outgoing);
      if (stored !== undefined) return accepted(res, resolved, started, outgoing.length, stored);
      // The database did not take them: publish them directly, as without the intake.
    }
    const claims = await Promise.all(outgoing.map((o) => claim(o.key)));
    const fresh = outgoing.filter((_, i) => claims[i] === "fresh");
    let settle!: (published: boolean) => void;
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    for (const o of fresh) publishing.set(o.key, done);
    const letGo = (published: boolean) => {
      for (const o of fresh) if (publishing.get(o.key) === done) publishing.delete(o.key);
      settle(published);
    };
    try {
      await Promise.all(fresh.map((o) => deps.publisher.publish(o.topic, o.event)));
      letGo(true);
    } catch (err) {
      await deps.dedup.release(fresh.map((o) => o.key)).catch((e: unknown) => {
        deps.log.error(
          { channelId: ch.id, err: e instanceof Error ? e.message : String(e) },
          "could not release replay keys after a failed publish",
        );
      });
      // Released first, so a retry waiting on this publish can claim the keys for itself.
      letGo(false);
      webhookRequests.inc({ channel_type: ch.channelType, outcome: "publish_failed" });
      deps.log.warn(
        { channelId: ch.id, err: err instanceof Error ? err.message : String(err) },
        "webhook events not published; provider asked to retry",
      );
      fail(res, 503, "unavailable", "could not queue the webhook; retry later");
      return;
    }
    accepted(res, resolved, started, outgoing.length, fresh.length);
  };

  /** The events' count of new ones once all are stored or known; undefined when the database failed. */
  const storeDurably = async (
    intake: WebhookIntake,
    ch: WebhookChannel,
    outgoing: Outgoing[],
  ): Promise<number | undefined> => {
    try {
      const fresh = await Promise.all(outgoing.map((o) => intake.store(o)));
      return fresh.filter(Boolean).length;
    } catch (err) {
      deps.log.warn(
        { channelId: ch.id, err: err instanceof Error ? err.message : String(err) },
        "webhook events not stored; publishing them directly",
      );
      return undefined;
    }
  };

  const accepted = (res: Response, resolved: Resolved, started: number, total: number, fresh: number) => {
    const { ch, plugin } = resolved;
    const outcome = total === 0 ? "ignored" : fresh === 0 ? "duplicate" : "accepted";
    webhookRequests.inc({ channel_type: ch.channelType, outcome });
    webhookResponse.observe({ channel_type: ch.channelType }, (performance.now() - started) / 1000);
    const reply = plugin.webhooks.acceptedReply;
    if (reply) {
      res.status(200).type(reply.contentType).send(reply.body);
      return;
    }
    res.status(200).json({ status: "ok", accepted: fresh, duplicates: total - fresh });
  };

  /** Messages that bring their media's bytes (inbound e-mail), with those bytes kept in the store. */
  const carriedInbound = async (
    ch: WebhookChannel,
    adapter: ChannelAdapter,
    wreq: WebhookRequest,
  ): Promise<InboundMessage[]> => {
    if (!adapter.parseCarriedInbound) return [];
    let items: CarriedInbound[];
    try {
      items = await adapter.parseCarriedInbound(wreq);
    } catch (err) {
      throw new UnreadableRequest(`the request could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (items.length === 0) return [];
    if (deps.carriedMedia) return deps.carriedMedia(ch, items);
    return items.map(({ message }) => withoutCarriedMedia(message));
  };

  const verified = async (adapter: ChannelAdapter, ch: WebhookChannel, wreq: WebhookRequest): Promise<boolean> => {
    if (safeVerify(adapter, wreq, ch.credentials)) return true;
    // Credentials may have been rotated since we cached them: look once more at the row.
    const fresh = await deps.channels.refreshIfStale(ch.id);
    return fresh !== undefined && safeVerify(adapter, wreq, fresh.credentials);
  };

  r.post("/:channelType/:channelId", (req, res, next) => {
    (async () => {
      const resolved = await resolve(req, res);
      if (resolved) await receive(req, res, resolved);
    })().catch(next);
  });

  r.get("/:channelType/:channelId", (req, res, next) => {
    (async () => {
      const resolved = await resolve(req, res);
      if (!resolved) return;
      const { ch, plugin } = resolved;
      const adapter = plugin.createAdapter({ logger: deps.log });
      if (adapter.answerVerificationChallenge && "hub.mode" in req.query) {
        // Meta's subscription handshake: echo the challenge when the verify token matches.
        const challenge = safeChallenge(adapter, toWebhookRequest(req), ch.credentials);
        if (challenge === null) {
          noteRejection(ch, "signature_invalid");
          fail(res, 403, "verification_failed", "the verify token does not match this channel's");
          return;
        }
        res.status(200).type("text/plain").send(challenge);
        return;
      }
      // Some providers (Vonage) can be set to call with GET and the parameters in the query.
      if (plugin.webhooks.acceptsGet) return receive(req, res, resolved);
      fail(res, 405, "method_not_allowed", "webhooks are delivered with POST");
    })().catch(next);
  });

  r.use((_req, res) => {
    fail(res, 404, "not_found", "webhook addresses look like /webhooks/{channel_type}/{channel_id}");
  });
  const errors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const e = err as { status?: number; type?: string; message?: string };
    if (e.status && e.status >= 400 && e.status < 500) {
      fail(res, e.status, e.type === "entity.too.large" ? "body_too_large" : "bad_request", e.message ?? "bad request");
      return;
    }
    // Database or decryption trouble: the provider will retry.
    deps.log.error({ err: e.message ?? String(err) }, "webhook handling failed");
    fail(res, 503, "unavailable", "webhook could not be handled; retry later");
  };
  r.use(errors);
  return r;
}

/** WEBHOOK_BODY_LIMIT ("512kb", "1mb") in bytes, as body-parser counts them (1 kb = 1024 b). */
function limitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/.exec(limit);
  if (!m) return 1024 * 1024;
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2] as "b" | "kb" | "mb"];
}

/** A request whose body the adapter could not read at all (a MIME message that does not parse). */
class UnreadableRequest extends Error {}

/** Without a media store here, carried media are recorded as not kept. */
function withoutCarriedMedia(message: InboundMessage): InboundMessage {
  const entries = message.metadata[INBOUND_MEDIA_KEY];
  if (!Array.isArray(entries)) return message;
  const media = entries.map((e) => ({ ...(e as object), error: "media_not_supported" }));
  return { ...message, metadata: { ...message.metadata, [INBOUND_MEDIA_KEY]: media } };
}

/** Adapters validate credentials with zod and throw on a mismatch: that is "does not verify". */
function safeVerify(adapter: ChannelAdapter, wreq: WebhookRequest, credentials: unknown): boolean {
  try {
    return adapter.verifyWebhookSignature(wreq, credentials);
  } catch {
    return false;
  }
}

function safeChallenge(adapter: ChannelAdapter, wreq: WebhookRequest, credentials: unknown): string | null {
  try {
    return adapter.answerVerificationChallenge?.(wreq, credentials) ?? null;
  } catch {
    return null;
  }
}

/**
 * The request's events, validated against the event schemas. One that does not validate (a
 * provider field outside what the adapter expects) is logged and left out: refusing the request
 * would only make the provider retry it forever.
 */
function buildEvents(
  ch: WebhookChannel,
  adapter: ChannelAdapter,
  wreq: WebhookRequest,
  log: Logger,
  carried: InboundMessage[] = [],
): Outgoing[] {
  const base = {
    channelId: ch.id,
    channelType: ch.channelType,
    provider: ch.provider,
    accountId: ch.accountId,
    receivedAt: new Date().toISOString(),
    traceparent: newTraceparent(),
  };
  const out: Outgoing[] = [];
  const add = (
    key: string,
    topic: string,
    parsed: { success: true; data: object } | { success: false; error: { issues: unknown[] } },
  ) => {
    if (parsed.success) out.push({ key, topic, event: parsed.data });
    else
      log.error(
        { channelId: ch.id, topic, issues: parsed.error.issues.slice(0, 3) },
        "webhook event does not fit its schema; left out",
      );
  };
  for (const update of adapter.parseStatus(wreq)) {
    add(
      statusDedupKey(ch.id, update),
      WEBHOOK_TOPICS.status,
      messageStatusEventSchema.safeParse({ eventId: randomUUID(), ...base, update }),
    );
  }
  for (const message of [...adapter.parseInbound(wreq), ...carried]) {
    add(
      inboundDedupKey(ch.id, message),
      WEBHOOK_TOPICS.inbound,
      inboundEventSchema.safeParse({ eventId: randomUUID(), ...base, message }),
    );
  }
  return out;
}
