/**
 * What a channel's send turn reads and writes, in the shape the channel actor's ports take: the
 * claim (in rounds, each its own transaction), the outcomes, and when the channel's queue is next
 * due. The statements that change a message's status are in status-writes.ts; the channel row,
 * failover and the quota look-up have modules of their own, reached through this store so the
 * wiring holds one object.
 */

import type { CallbackEmitter, CallbackEvent } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";
import { accountQuota, type AccountQuota } from "../accounts/quotas.js";
import { loadDispatchChannel, setChannelStatus, type DispatchChannelRow } from "../channels/dispatch-channel.js";
import type { Database } from "../client.js";
import { failoverQueued } from "./failover.js";
import { claimQueued, writeOutcomes, recordClaims, type AccountOutcome } from "./status-writes.js";

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

/** Claim rounds when opted-out messages leave a batch short. */
const CLAIM_ROUNDS = 4;

export class DispatchStore {
  constructor(private readonly db: Database) {}

  loadChannel(channelId: string): Promise<DispatchChannelRow | undefined> {
    return loadDispatchChannel(this.db, channelId);
  }

  accountQuota(accountId: string): Promise<AccountQuota | undefined> {
    return accountQuota(this.db, accountId);
  }

  /**
   * Up to `limit` due messages of the channel, moved from queued to sending, highest priority
   * first. Opted-out and bounce-suppressed messages are failed by the claim and never returned; when that leaves the
   * batch short, the claim goes on (a few rounds) so a full batch still means "more may be
   * waiting" to the caller.
   */
  async claim(channelId: string, limit: number, now: Date): Promise<ClaimedMessage[]> {
    const out: ClaimedMessage[] = [];
    for (let round = 0; round < CLAIM_ROUNDS && out.length < limit; round++) {
      const { sending, optedOut } = await this.claimRound(channelId, limit - out.length, now);
      out.push(...sending);
      if (optedOut === 0) break;
    }
    return out.sort((a, b) => b.priority - a.priority || a.createdAt.localeCompare(b.createdAt));
  }

  private async claimRound(
    channelId: string,
    limit: number,
    now: Date,
  ): Promise<{ sending: ClaimedMessage[]; optedOut: number }> {
    if (limit <= 0) return { sending: [], optedOut: 0 };
    // One transaction on both drivers: the opted-out failures and their events commit together.
    return this.db.transaction(async (s) => {
      // Planned for this run, not from the connection's cached generic plan (pg only; PGlite has
      // no statement cache): one cached while the month's partition was nearly empty merge-joins
      // the whole partition on every claim (1.5–3.3 s at 200K queued rows) until autovacuum's
      // ANALYZE invalidates it; planned per run the claim takes milliseconds. SET LOCAL ends with
      // the transaction.
      if (this.db.kind === "pg") await s.exec("SET LOCAL plan_cache_mode = force_custom_plan");
      return claimQueued(s, channelId, limit, now);
    });
  }

  /** Records the `queued → sending` claim itself, so every status change has its event row. */
  async recordClaims(claimed: ClaimedMessage[], now: Date, channelId: string): Promise<void> {
    if (claimed.length === 0) return;
    await this.db.withSession((s) => recordClaims(s, claimed, now, channelId));
  }

  /**
   * The batch's outcomes and their events; returns how many messages they moved. With
   * `callbacks`, the callback events of the outcomes that moved a message are staged in the same
   * transaction (db/callbacks/outbox.ts), so they outlive a crash before their publish, and handed
   * to the emitter once committed.
   */
  async applyOutcomes(
    outcomes: AccountOutcome[],
    now: Date,
    channelId: string,
    callbacks?: { of(moved: AccountOutcome[]): readonly CallbackEvent[]; emitter: CallbackEmitter },
  ): Promise<number> {
    if (outcomes.length === 0) return 0;
    if (!callbacks) return (await this.db.withSession((s) => writeOutcomes(s, outcomes, now, channelId))).size;
    const { moved, events } = await this.db.transaction(async (tx) => {
      const moved = await writeOutcomes(tx, outcomes, now, channelId);
      const events = moved.size > 0 ? callbacks.of(outcomes.filter((o) => moved.has(o.id))) : [];
      await stageCallbacks(tx, events);
      return { moved, events };
    });
    if (events.length > 0) await callbacks.emitter.emit(events);
    return moved.size;
  }

  /** When the channel's next not-yet-due queued message becomes due (retry backoff), if any. */
  async nextDueAt(channelId: string): Promise<Date | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ at: unknown }>(
        `SELECT min(next_attempt_at) AS at FROM messages WHERE channel_id = $1 AND status = 'queued' AND next_attempt_at IS NOT NULL`,
        [channelId],
      );
      const at = rows[0]?.at;
      return at ? new Date(iso(at)) : undefined;
    });
  }

  async hasQueued(channelId: string): Promise<boolean> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query(
        `SELECT 1 FROM messages WHERE channel_id = $1 AND status IN ('queued', 'sending') LIMIT 1`,
        [channelId],
      );
      return rows.length > 0;
    });
  }

  /** See setChannelStatus (db/channels/dispatch-channel.ts): the staged channel.status event, when it changed. */
  setChannelStatus(
    channelId: string,
    status: string,
    reason: string | null,
    callbackOf?: (accountId: string) => CallbackEvent,
  ): Promise<readonly CallbackEvent[]> {
    return setChannelStatus(this.db, channelId, status, reason, callbackOf);
  }

  /** Moves the channel's queued messages that allow it to the next healthy channel (failover.ts). */
  failover(
    channelId: string,
    errorCode: string,
    now: Date,
    limit?: number,
  ): Promise<{ toChannelId: string; moved: number } | undefined> {
    return failoverQueued(this.db, channelId, errorCode, now, limit);
  }
}
