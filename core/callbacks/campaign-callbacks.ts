/**
 * A campaign's progress and completion as callback events, built inside the transaction that
 * folds its counters or sets its final status (so they are staged with it in the callback
 * outbox). A progress id is derived from the counters, so a fold that changed nothing repeats an
 * id the endpoint already has and is not delivered again; completion has one id per final status.
 * Both go out in order per campaign.
 */

import type { CampaignCounters } from "../campaign/progress-counters.js";
import { callbackEvent, stableEventId, type CallbackEvent } from "./events.js";

/** A campaign as the fold or the finish left it. */
export interface CampaignState {
  id: string;
  accountId: string;
  status: string;
  counters: CampaignCounters;
}

function dataOf(c: CampaignState) {
  const n = c.counters;
  return {
    group_message_id: c.id,
    status: c.status,
    counters: {
      total: n.total,
      queued: n.queued,
      sent: n.sent,
      delivered: n.delivered,
      read: n.read,
      failed: n.failed,
      cancelled: n.cancelled,
      skipped: n.skipped,
    },
  };
}

const countersKey = (n: CampaignCounters) =>
  [n.total, n.queued, n.sent, n.delivered, n.read, n.failed, n.cancelled, n.skipped].join(",");

export function campaignProgressCallback(c: CampaignState): CallbackEvent {
  return callbackEvent("campaign.progress", {
    id: stableEventId("campaign.progress", c.id, c.status, countersKey(c.counters)),
    accountId: c.accountId,
    orderingKey: `campaign:${c.id}`,
    data: dataOf(c),
  });
}

export function campaignCompletedCallback(c: CampaignState): CallbackEvent {
  return callbackEvent("campaign.completed", {
    id: stableEventId("campaign.completed", c.id, c.status),
    accountId: c.accountId,
    orderingKey: `campaign:${c.id}`,
    data: dataOf(c),
  });
}
