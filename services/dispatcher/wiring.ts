/**
 * Builds the real ports the channel actors use: SQL through DispatchStore, credentials opened
 * with the key ring (in memory only), provider I/O through the adapter registry.
 */

import type { AdapterRegistry } from "../../adapters/contract/registry.js";
import type { ChannelAdapter } from "../../adapters/contract/contract.js";
import type { DispatchResult } from "../../adapters/contract/types.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { ChannelSender, ClaimedMessage, DispatchPorts } from "../../actors/channel/dispatch-ports.js";
import type { AppConfig } from "../../core/config.js";
import { accountLimitFor, parseAccountRates } from "../../adapters/registry.js";
import { channelStatusCallback, type CallbackEmitter } from "../../core/callbacks/events.js";
import { withTrace, type Logger } from "../../core/logger.js";
import type { Database } from "../../db/client.js";
import { channelCredentialsAad, type SecretBox } from "../../db/secret-box.js";
import { crashWindowRequeued, dispatchDuration, rateLimitHits, recordDispatched } from "../metrics.js";
import type { ActorInvoker } from "../runtime/actor-invoker.js";
import { outcomeCallbacks } from "./outcome-callbacks.js";
import { DispatchStore } from "../../db/messages/dispatch-store.js";
import type { AttachmentResolver } from "./attachment-links.js";
import type { ProviderMediaSender } from "./provider-media.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";
import { textWithLinks } from "../../core/media/link-fallback.js";

export function createDispatchPorts(deps: {
  cfg: AppConfig;
  db: Database;
  box: SecretBox;
  adapters: AdapterRegistry;
  actors: ActorInvoker;
  log: Logger;
  /** Media ids and URLs of `options.attachments` to provider-fetchable URLs; none when absent. */
  attachments?: AttachmentResolver;
  /** Sends stored media by the provider's own reference once it has one (upload once per channel). */
  providerMedia?: ProviderMediaSender;
  /** Where sends and failures go as `message.status` callbacks; none when absent. */
  callbacks?: CallbackEmitter;
}): DispatchPorts {
  const store = new DispatchStore(deps.db);
  // The campaign of each message in flight, from its claim to its outcome, for the callbacks.
  const campaignOf = new Map<string, string | null>();
  const { cfg, log } = deps;
  // Server-side only: a channel's own settings never shape a provider account's shared limit.
  const accountRates = parseAccountRates(cfg.PROVIDER_ACCOUNT_RATES);

  const openSender = async (channelId: string): Promise<ChannelSender> => {
    const row = await store.loadChannel(channelId);
    if (!row) throw new Error(`channel ${channelId} not found`);
    const credentials = deps.box.openJson<Record<string, unknown>>(
      { keyId: row.credentialsKeyId, ciphertext: row.credentialsCiphertext },
      channelCredentialsAad(channelId),
    );
    const adapter: ChannelAdapter = deps.adapters.get(row.channelType as ChannelType, row.provider);
    // Resolves or rejects exactly as the adapter did: the channel turn classifies the outcome
    // (actors/channel/send-attempt.ts). Logged here, where the message's trace is current.
    const sendOne = async (m: ClaimedMessage): Promise<DispatchResult> => {
      try {
        const options = m.options ?? {};
        const resolved = deps.attachments ? await deps.attachments(m.accountId, options.attachments) : [];
        // A text-only provider gets the attachments as links in the text where the channel says so.
        const asLinks = resolved.length > 0 && adapter.sendsMedia === false && row.mediaFallback === "link";
        const messageBody = asLinks ? textWithLinks(m.messageBody, resolved) : m.messageBody;
        const attachments = asLinks ? [] : resolved;
        const send = (withRefs: DispatchAttachment[]) =>
          adapter.send({
            messageId: m.id,
            channelId,
            channelType: row.channelType as ChannelType,
            credentials,
            deliveryAddress: m.deliveryAddress,
            messageBody,
            options,
            attachments: withRefs,
            metadata: m.metadata,
            lastInboundAt: m.lastInboundAt ?? null,
            replyTo: m.replyTo ?? null,
          });
        const result = deps.providerMedia
          ? await deps.providerMedia({ channelId, adapter, credentials, attachments, send })
          : await send(attachments);
        log.debug({ messageId: m.id, channelId, ok: true }, "provider call");
        return result;
      } catch (err) {
        log.debug({ messageId: m.id, channelId, ok: false }, "provider call failed");
        throw err;
      }
    };
    return {
      async send(m: ClaimedMessage): Promise<DispatchResult> {
        // The provider call runs under the trace of the request that created the message, so its
        // log lines (and the adapter's) can be joined with the API's.
        return withTrace({ traceId: m.traceId ?? m.id.replace(/-/g, "") }, () => sendOne(m));
      },
      async checkHealth() {
        // An adapter holding a connection per channel (an SMPP bind) answers for that connection.
        const h = adapter.checkChannelHealth
          ? await adapter.checkChannelHealth(channelId, credentials)
          : await adapter.checkHealth(credentials);
        return { status: h.status, errorMessage: h.errorMessage };
      },
      async close() {
        await adapter.closeChannel?.(channelId);
      },
    };
  };

  return {
    log,
    now: () => Date.now(),
    async loadChannel(channelId) {
      const row = await store.loadChannel(channelId);
      if (!row) return undefined;
      const credentials = deps.box.openJson<Record<string, unknown>>(
        { keyId: row.credentialsKeyId, ciphertext: row.credentialsCiphertext },
        channelCredentialsAad(channelId),
      );
      const quota = await store.accountQuota(row.accountId);
      const maxAttempts = Number(row.retryConfig.max_attempts ?? row.retryConfig.max_retries ?? 5);
      return {
        id: row.id,
        accountId: row.accountId,
        channelType: row.channelType,
        provider: row.provider,
        status: row.status,
        isEnabled: row.isEnabled,
        rateLimit: row.rateLimit,
        burst: row.burst,
        maxAttempts: Number.isFinite(maxAttempts) && maxAttempts > 0 ? maxAttempts : 5,
        providerAccount: accountLimitFor(
          { channelType: row.channelType as ChannelType, provider: row.provider, accountId: row.accountId },
          credentials,
          accountRates,
        ),
        quota,
      };
    },
    openSender,
    async claim(channelId, limit, now) {
      const claimed = await store.claim(channelId, limit, now);
      if (deps.callbacks) for (const m of claimed) campaignOf.set(m.id, m.groupMessageId);
      return claimed;
    },
    recordClaims: (claimed, now, channelId) => store.recordClaims(claimed, now, channelId),
    async applyOutcomes(outcomes, now, channelId) {
      if (!deps.callbacks) return store.applyOutcomes(outcomes, now, channelId);
      const callbacks = outcomeCallbacks(deps.callbacks, channelId, (id) => campaignOf.get(id) ?? null);
      const moved = await store.applyOutcomes(outcomes, now, channelId, callbacks);
      for (const o of outcomes) campaignOf.delete(o.id);
      return moved;
    },
    nextDueAt: (channelId) => store.nextDueAt(channelId),
    async setChannelStatus(channelId, status, reason) {
      const callbacks = deps.callbacks;
      const staged = await store.setChannelStatus(
        channelId,
        status,
        reason,
        callbacks && ((accountId) => channelStatusCallback(accountId, channelId, status, new Date())),
      );
      if (callbacks && staged.length > 0) await callbacks.emit(staged);
    },
    hasQueued: (channelId) => store.hasQueued(channelId),
    failover: (channelId, errorCode) => store.failover(channelId, errorCode, new Date()),
    async nudge(channelId) {
      // Fire and forget: a turn must not wait on another channel's turn (and two channels
      // failing over to each other must never wait on each other).
      void deps.actors.invoke("ChannelActor", channelId, "nudge", {}).catch((err: unknown) => {
        log.warn(
          { channelId, err: err instanceof Error ? err.message : String(err) },
          "nudge failed; the sweeper will retry",
        );
      });
    },
    async acquireShared(scope, n, ratePerMinute, burst) {
      const r = await deps.actors.invoke<{ granted: number }>("LimiterActor", scope, "acquire", {
        n,
        ratePerMinute,
        burst,
      });
      return r.granted;
    },
    async consumeQuota(accountId, n, limits) {
      const r = await deps.actors.invoke<{ granted: number }>("LimiterActor", `quota:${accountId}`, "consume", {
        n,
        ...limits,
      });
      return r.granted;
    },
    metrics: {
      dispatched: (channelType, status, n) => recordDispatched(channelType, status, n),
      dispatchSeconds: (channelType, seconds) => dispatchDuration.observe({ channel_type: channelType }, seconds),
      rateLimited: (channelId) => rateLimitHits.inc({ channel_id: channelId }),
      crashWindow: (n) => crashWindowRequeued.inc(n),
    },
    config: {
      maxBatch: cfg.DISPATCH_MAX_BATCH,
      credentialsTtlMs: cfg.CREDENTIALS_TTL_MS,
      healthEveryMs: cfg.CHANNEL_HEALTH_EVERY_MS,
      breakerThreshold: cfg.BREAKER_THRESHOLD,
      breakerOpenMs: cfg.BREAKER_OPEN_MS,
    },
  };
}
