/**
 * What a campaign actor needs from the outside world; services/campaign/wiring.ts provides the
 * real implementations (SQL, contact sources, the broker). Actors never import them directly.
 */

import type { CampaignContact, ContactPage } from "../../core/campaign/contact.js";
import type { CampaignCounters } from "../../core/campaign/progress-counters.js";
import type { PagePlan, RenderedText } from "../../core/campaign/page-plan.js";
import type { CampaignSnapshot, InsertResult } from "../../core/campaign/campaign-snapshot.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Logger } from "../../core/logger.js";

export interface CampaignPorts {
  log: Logger;
  now(): number;
  load(id: string): Promise<CampaignSnapshot | undefined>;
  /** queued → processing, and the fan-out checkpoint created (idempotent). */
  startProcessing(id: string, now: Date): Promise<void>;
  fetchPage(c: CampaignSnapshot, cursor: string | null, size: number): Promise<ContactPage>;
  /** A renderer for this campaign's template or body (loaded once per turn). */
  renderer(c: CampaignSnapshot): Promise<(contact: CampaignContact) => RenderedText>;
  /** One transaction: the page's rows, its counter delta and the advanced checkpoint. */
  insertPage(
    c: CampaignSnapshot,
    page: { cursor: string | null; nextCursor: string | null; contacts: number; plan: PagePlan; traceId?: string },
    now: Date,
  ): Promise<InsertResult>;
  /** Queued messages waiting on the channel, counted up to `cap`. */
  backlog(channelId: string, cap: number): Promise<number>;
  /** One dispatch nudge for the channel (a page of new messages waits). */
  nudge(channelType: ChannelType, channelId: string): Promise<void>;
  /** Folds this campaign's pending counter deltas into its row; returns the fresh counters. */
  foldCounters(id: string): Promise<CampaignCounters | undefined>;
  finish(id: string, status: string, now: Date): Promise<void>;
  /** Stops the fan-out for good (the contact source failed) and says why on the row. */
  abortFanout(id: string, reason: string, now: Date): Promise<void>;
  config: {
    pageSize: number;
    aheadMinutes: number;
    /** Longest a single fan-out turn may insert pages before yielding the actor. */
    turnBudgetMs: number;
    /** How often a running campaign folds counters and checks whether it is done. */
    progressEveryMs: number;
    /** Consecutive failed turns of the contact source before the campaign stops. */
    sourceFailureTurns: number;
  };
}

let current: CampaignPorts | undefined;

export function setCampaignPorts(ports: CampaignPorts): void {
  current = ports;
}

export function campaignPorts(): CampaignPorts {
  if (!current) throw new Error("campaign ports are not wired: the dispatcher must call setCampaignPorts at start-up");
  return current;
}
