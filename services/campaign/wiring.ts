/**
 * Builds the real ports of the campaign actors at start-up (store, contact source, broker), so the
 * actors themselves import none of them.
 */

import type { CampaignPorts } from "../../actors/campaign/campaign-ports.js";
import type { AppConfig } from "../../core/config.js";
import { TOPICS } from "../../core/events.js";
import { type ChannelType } from "../../core/messages/vocabulary.js";
import type { Logger } from "../../core/logger.js";
import type { CallbackEmitter, CallbackEvent } from "../../core/callbacks/events.js";
import { campaignCompletedCallback, campaignProgressCallback } from "../../core/callbacks/campaign-callbacks.js";
import type { EventPublisher } from "../../core/publisher.js";
import type { Database } from "../../db/client.js";
import { campaignRenderer } from "../../core/campaign/render.js";
import { AccountApiContactSource } from "./sources/account-api.js";
import { BuiltinContactSource } from "./sources/builtin.js";
import type { ContactSource } from "./sources/contact-source.js";
import { CampaignStore } from "../../db/campaigns/campaign-store.js";
import { accountRatePerMinute, parseAccountRates } from "../../adapters/registry.js";
import { foldCounters } from "../../db/campaigns/counter-fold.js";
import { groupMessageFanout } from "../metrics.js";

export function contactSourceFor(cfg: AppConfig, db: Database, log: Logger): ContactSource {
  if (cfg.CONTACT_SOURCE === "builtin") return new BuiltinContactSource(db);
  if (!cfg.ACCOUNT_API_URL) throw new Error("CONTACT_SOURCE=account_api needs ACCOUNT_API_URL");
  return new AccountApiContactSource({ baseUrl: cfg.ACCOUNT_API_URL, token: cfg.ACCOUNT_API_TOKEN, log });
}

/** The real ports of campaign actors: SQL through CampaignStore, the configured contact source, the broker. */
export function createCampaignPorts(deps: {
  cfg: AppConfig;
  db: Database;
  publisher: EventPublisher;
  log: Logger;
  source?: ContactSource;
  /**
   * Where progress and completion go as campaign callbacks; none when absent. They are staged in
   * the transaction of the fold or the finish and published after it commits.
   */
  callbacks?: CallbackEmitter;
}): CampaignPorts {
  const callbacks = deps.callbacks;
  const emitStaged = async (events: readonly CallbackEvent[]) => {
    if (callbacks && events.length > 0) await callbacks.emit(events);
  };
  const accountRates = parseAccountRates(deps.cfg.PROVIDER_ACCOUNT_RATES);
  const store = new CampaignStore(deps.db, (channel) => accountRatePerMinute(channel, accountRates));
  const source = deps.source ?? contactSourceFor(deps.cfg, deps.db, deps.log);
  // The renderer and the fan-out both need the campaign's content: loaded with the snapshot.
  type Loaded = NonNullable<Awaited<ReturnType<CampaignStore["load"]>>>;
  return {
    log: deps.log,
    now: () => Date.now(),
    load: (id) => store.load(id),
    startProcessing: (id, now) => store.startProcessing(id, now),
    fetchPage: (c, cursor, size) => source.page({ accountId: c.accountId, groupIds: c.contactGroupIds }, cursor, size),
    renderer: async (c) => campaignRenderer((c as Loaded).content, c.channelType),
    insertPage: async (c, page, now) => {
      const loaded = c as Loaded;
      const r = await store.insertPage(loaded, page, now);
      // The page without a next cursor completes the fan-out; a replay of it finds the cursor moved.
      if (r.ok && page.nextCursor === null && loaded.messagesCreatedAt)
        groupMessageFanout.observe(Math.max(0, now.getTime() - loaded.messagesCreatedAt.getTime()) / 1000);
      return r;
    },
    backlog: (channelId, cap) => store.backlog(channelId, cap),
    nudge: (channelType: ChannelType, channelId) => deps.publisher.publish(TOPICS.dispatch(channelType), { channelId }),
    // Progress goes out once per fold of the campaign's actor that moved its counters (a fan-out
    // turn, or every progressEveryMs while draining): that is what keeps it from flooding.
    async foldCounters(id) {
      let staged: readonly CallbackEvent[] = [];
      const folded = await foldCounters(
        deps.db,
        [id],
        callbacks && ((moved) => (staged = moved.map(campaignProgressCallback))),
      );
      await emitStaged(staged);
      return folded.get(id);
    },
    async finish(id, status, now) {
      await emitStaged(await store.finish(id, status, now, callbacks && ((c) => [campaignCompletedCallback(c)])));
    },
    abortFanout: (id, reason, now) => store.abortFanout(id, reason, now),
    config: {
      pageSize: deps.cfg.CAMPAIGN_PAGE_SIZE,
      aheadMinutes: deps.cfg.CAMPAIGN_AHEAD_MINUTES,
      turnBudgetMs: deps.cfg.CAMPAIGN_TURN_MS,
      progressEveryMs: deps.cfg.CAMPAIGN_PROGRESS_MS,
      sourceFailureTurns: deps.cfg.CAMPAIGN_SOURCE_FAILURE_TURNS,
    },
  };
}
