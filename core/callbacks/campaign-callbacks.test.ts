import { describe, expect, it } from "vitest";
import type { CampaignCounters } from "../campaign/progress-counters.js";
import { campaignCompletedCallback, campaignProgressCallback } from "./campaign-callbacks.js";

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
const state = (status: string, sent: number) => ({
  id: CAMPAIGN,
  accountId: ACCOUNT,
  status,
  counters: counters(sent),
});

describe("campaign callbacks", () => {
  it("repeats a progress id while the counters stay the same, and mints a new one when they move", () => {
    const emitted = [
      campaignProgressCallback(state("processing", 3)),
      campaignProgressCallback(state("processing", 3)),
      campaignProgressCallback(state("processing", 4)),
      campaignCompletedCallback(state("completed", 10)),
    ];
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

  it("gives a completion one id per final status", () => {
    expect(campaignCompletedCallback(state("completed", 10)).id).toBe(
      campaignCompletedCallback(state("completed", 9)).id,
    );
    expect(campaignCompletedCallback(state("completed", 10)).id).not.toBe(
      campaignCompletedCallback(state("failed", 10)).id,
    );
  });
});
