/**
 * A campaign as its actor and its store see it: the snapshot loaded for each turn and what
 * inserting one page of its messages came to. Data only; the store reads and writes it, the
 * actor decides with it.
 */

import type { CampaignCounters } from "./progress-counters.js";
import type { ChannelType } from "../messages/vocabulary.js";

export interface CampaignSnapshot {
  id: string;
  accountId: string;
  status: string;
  channelId: string;
  channelType: ChannelType;
  /** Messages per minute the channel may send. */
  channelRate: number;
  contactGroupIds: string[];
  counters: CampaignCounters;
  /** The fan-out checkpoint; absent until the campaign starts processing. */
  fanout?: {
    cursor: string | null;
    pages: number;
    contactsSeen: number;
    messagesCreated: number;
    done: boolean;
    aborted: boolean;
  };
}

/** A page is refused when the campaign left `processing` or another turn moved the checkpoint. */
export type InsertResult =
  | {
      ok: true;
      queued: number;
      skipped: number;
      duplicates: number;
      /** Rows created failed (WhatsApp free-form text outside the care window); absent when none. */
      failed?: number;
    }
  | { ok: false; reason: "not_processing" | "cursor_moved" };
