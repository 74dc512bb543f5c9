import { describe, expect, it } from "vitest";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { CampaignCounters } from "../../core/campaign/progress-counters.js";
import { campaignCallbacks } from "./campaign-callbacks.js";

const ACCOUNT = "11111111-1111-4111-8111-111111111111";
const CAMPAIGN = "22222222-2222-4222-8222-222222222222";
const counters = (sent: number): CampaignCounters => ({
  total: 10,
  queued: 10 - sent,
  sent,
  delivered: 0,
  read: 0,
  failed: 0,
  cancelled: 0,
  skipped: 0,
  skippedReasons: {},
});

describe("campaign callbacks", () => {
  it("repeats a progress id while the counters stay the same, and mints a new one when they move", async () => {
    const emitted: CallbackEvent[] = [];
    const cb = campaignCallbacks({ emit: (e) => (emitted.push(...e), Promise.resolve()) });
    await cb.progress(ACCOUNT, CAMPAIGN, "processing", counters(3));
    await cb.progress(ACCOUNT, CAMPAIGN, "processing", counters(3));
    await cb.progress(ACCOUNT, CAMPAIGN, "processing", counters(4));
    await cb.completed(ACCOUNT, CAMPAIGN, "completed", counters(10));
    expect(emitted.map((e) => e.type)).toEqual([
      "campaign.progress",
      "campaign.progress",
      "campaign.progress",
      "campaign.completed",
    ]);
    expect(emitted[0]!.id).toBe(emitted[1]!.id);
    expect(emitted[2]!.id).not.toBe(emitted[1]!.id);
    expect(new Set(emitted.map((e) => e.ordering_key))).toEqual(new Set([`campaign:${CAMPAIGN}`]));
    expect(emitted[3]).toMatchObject({
      account_id: ACCOUNT,
      data: { group_message_id: CAMPAIGN, status: "completed", counters: { sent: 10, queued: 0 } },
    });
  });
});
