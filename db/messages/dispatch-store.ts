import type { Database } from "../client.js";
import type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";
import { applyOutcomes, claimQueued, recordClaims, requeueStuckSending, type AccountOutcome } from "./status-writes.js";

/**
 * The dispatcher's SQL. Every statement is set-based (one round trip per batch); those that
 * change a message's status are in status-writes.ts.
 */
export interface ChannelRow {
  id: string;
  accountId: string;
  channelType: string;
  provider: string;
  status: string;
  isEnabled: boolean;
  credentialsCiphertext: string;
  credentialsKeyId: string;
  rateLimit: number;
  burst: number | null;
  priority: number;
  retryConfig: Record<string, unknown>;
  metadata: Record<string, unknown>;
  updatedAt: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

/** Claim rounds when opted-out messages leave a batch short. */
const CLAIM_ROUNDS = 4;

export class DispatchStore {
  constructor(private readonly db: Database) {}

  async loadChannel(channelId: string): Promise<ChannelRow | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT id, account_id, channel_type, provider, status, is_enabled, credentials_ciphertext, credentials_key_id,
                rate_limit, burst, priority, retry_config, metadata, updated_at
           FROM channels WHERE id = $1`,
        [channelId],
      );
      const r = rows[0];
      if (!r) return undefined;
      return {
        id: String(r.id),
        accountId: String(r.account_id),
        channelType: String(r.channel_type),
        provider: String(r.provider),
        status: String(r.status),
        isEnabled: Boolean(r.is_enabled),
        credentialsCiphertext: String(r.credentials_ciphertext),
        credentialsKeyId: String(r.credentials_key_id),
        rateLimit: Number(r.rate_limit),
        burst: r.burst === null ? null : Number(r.burst),
        priority: Number(r.priority),
        retryConfig: (r.retry_config ?? {}) as Record<string, unknown>,
        metadata: (r.metadata ?? {}) as Record<string, unknown>,
        updatedAt: iso(r.updated_at),
      };
    });
  }

  /**
   * Moves up to `limit` due messages of the channel from queued to sending, highest priority
   * first. Messages to an address that opted out (contact_opt_outs, for the channel's account and
   * scope) are failed with `opted_out` in the same statement and never handed to the sender; when
   * that leaves the batch short, the claim goes on (a few rounds) so a full batch still means
   * "more may be waiting" to the caller.
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

  private async claimRound(channelId: string, limit: number, now: Date): Promise<{ sending: ClaimedMessage[]; optedOut: number }> {
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

  /** The batch's outcomes and their events; returns how many messages they moved. */
  async applyOutcomes(outcomes: AccountOutcome[], now: Date, channelId: string): Promise<number> {
    if (outcomes.length === 0) return 0;
    return this.db.withSession((s) => applyOutcomes(s, outcomes, now, channelId));
  }

  /** Records the `queued → sending` claim itself, so every status change has its event row. */
  async recordClaims(claimed: ClaimedMessage[], now: Date, channelId: string): Promise<void> {
    if (claimed.length === 0) return;
    await this.db.withSession((s) => recordClaims(s, claimed, now, channelId));
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

  /** Channels with due queued messages not touched for `idleMs`: their nudge may have been lost. */
  async channelsWithStaleQueue(now: Date, idleMs: number, limit = 1_000): Promise<string[]> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ channel_id: string }>(
        `SELECT DISTINCT channel_id FROM messages
          WHERE status = 'queued' AND direction = 'outbound' AND channel_id IS NOT NULL
            AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
            AND updated_at < $2
          LIMIT $3`,
        [now, new Date(now.getTime() - idleMs), limit],
      );
      return rows.map((r) => String(r.channel_id));
    });
  }

  /** Messages a stopped dispatcher left in `sending`, back to the queue with their events. */
  async requeueStuckSending(now: Date, staleMs: number): Promise<{ id: string; channelId: string }[]> {
    return this.db.transaction((s) => requeueStuckSending(s, now, staleMs));
  }

  async setChannelStatus(channelId: string, status: string, reason: string | null): Promise<void> {
    await this.db.withSession((s) =>
      s.query(`UPDATE channels SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1 AND status <> 'disabled'`, [channelId, status, reason]),
    );
  }

  async hasQueued(channelId: string): Promise<boolean> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query(`SELECT 1 FROM messages WHERE channel_id = $1 AND status IN ('queued', 'sending') LIMIT 1`, [channelId]);
      return rows.length > 0;
    });
  }

  /**
   * Provider failover (seed 003): moves this channel's queued messages that allow it to the next
   * active, enabled channel of the same type and account, by priority, and records the move on
   * each message. Messages that named their channel explicitly (no allow_failover) stay.
   */
  async failover(channelId: string, errorCode: string, now: Date, limit = 5_000): Promise<{ toChannelId: string; moved: number } | undefined> {
    return this.db.withSession(async (s) => {
      const target = await s.query<{ id: string }>(
        `SELECT t.id FROM channels c JOIN channels t
            ON t.account_id = c.account_id AND t.channel_type = c.channel_type AND t.id <> c.id
         WHERE c.id = $1 AND t.is_enabled AND t.status = 'active'
         ORDER BY t.priority DESC, t.created_at LIMIT 1`,
        [channelId],
      );
      const to = target.rows[0]?.id;
      if (!to) return undefined;
      const moved = await s.query(
        `WITH picked AS (
           SELECT id, created_at FROM messages
            WHERE channel_id = $1 AND status = 'queued' AND (metadata->>'allow_failover') = 'true'
            LIMIT $5)
         UPDATE messages m SET channel_id = $2, updated_at = $3, next_attempt_at = NULL,
                failover = COALESCE(m.failover, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('channel_id', $1::text, 'error_code', $4::text, 'at', $3::timestamptz))
           FROM picked WHERE m.id = picked.id AND m.created_at = picked.created_at AND m.status = 'queued'
         RETURNING m.id`,
        [channelId, to, now, errorCode, limit],
      );
      return { toChannelId: String(to), moved: moved.rows.length };
    });
  }

  /** Queued messages per channel type, for the queue-depth gauge. */
  async backlogByType(): Promise<[string, number][]> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ channel_type: string; n: string }>(
        `SELECT c.channel_type, count(*) AS n FROM messages m JOIN channels c ON c.id = m.channel_id
          WHERE m.status = 'queued' GROUP BY c.channel_type`,
      );
      return rows.map((r) => [String(r.channel_type), Number(r.n)]);
    });
  }

  async accountQuota(accountId: string): Promise<{ dailyLimit: number | null; monthlyLimit: number | null } | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ daily_limit: number | null; monthly_limit: number | null }>(
        `SELECT daily_limit, monthly_limit FROM account_quotas WHERE account_id = $1`,
        [accountId],
      );
      const r = rows[0];
      return r ? { dailyLimit: r.daily_limit, monthlyLimit: r.monthly_limit } : undefined;
    });
  }
}
