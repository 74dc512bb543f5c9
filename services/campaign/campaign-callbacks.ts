/**
 * A campaign's progress and completion as callback events. Progress goes out each time the
 * campaign actor folds its counters; its id is derived from the counters, so a fold that changed
 * nothing repeats an id the endpoint already has and is not delivered again. Completion goes out
 * once per final status.
 */

import { callbackEvent, stableEventId, type CallbackEmitter } from "../../core/callbacks/events.js";
import type { CampaignCounters } from "../../core/campaign/progress-counters.js";

export function campaignCallbacks(emitter: CallbackEmitter) {
  const data = (id: string, status: string, c: CampaignCounters) => ({
    group_message_id: id,
    status,
    counters: {
      total: c.total,
      queued: c.queued,
      sent: c.sent,
      delivered: c.delivered,
      read: c.read,
      failed: c.failed,
      cancelled: c.cancelled,
      skipped: c.skipped,
    },
  });
  const key = (c: CampaignCounters) =>
    [c.total, c.queued, c.sent, c.delivered, c.read, c.failed, c.cancelled, c.skipped].join(",");
  return {
    progress: (accountId: string, id: string, status: string, c: CampaignCounters) =>
      emitter.emit([
        callbackEvent("campaign.progress", {
          id: stableEventId("campaign.progress", id, status, key(c)),
          accountId,
          orderingKey: `campaign:${id}`,
          data: data(id, status, c),
        }),
      ]),
    completed: (accountId: string, id: string, status: string, c: CampaignCounters) =>
      emitter.emit([
        callbackEvent("campaign.completed", {
          id: stableEventId("campaign.completed", id, status),
          accountId,
          orderingKey: `campaign:${id}`,
          data: data(id, status, c),
        }),
      ]),
  };
}
