import type { Database, Session } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { MessageOutcome } from "../../core/dispatch/outcome.js";
import type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";

/**
 * The dispatcher's SQL. Every statement is set-based (one round trip per batch), and the claim
 * is the only way a message leaves `queued`: an UPDATE … WHERE status = 'queued' that returns
 * the rows it moved to `sending`, so a redelivered event or a second turn can never send the
 * same message twice.
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

/** Error recorded on a message whose recipient opted out (STOP keyword, provider signal or API). */
export const OPTED_OUT = "opted_out";
const OPTED_OUT_MESSAGE = "the recipient opted out of messages on this channel type (for example by replying STOP); not sent";
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
      return this.claimWith(s, channelId, limit, now);
    });
  }

  private async claimWith(s: Session, channelId: string, limit: number, now: Date): Promise<{ sending: ClaimedMessage[]; optedOut: number }> {
    // The opt-out look-up is one primary-key probe per picked row, joined into the claim itself.
    const { rows } = await s.query<Record<string, unknown>>(
      `WITH ch AS (
         SELECT account_id, CASE channel_type WHEN 'smpp' THEN 'sms' ELSE channel_type END AS scope FROM channels WHERE id = $1),
       picked AS (
         SELECT id, created_at, account_id, delivery_address FROM messages
          WHERE channel_id = $1 AND status = 'queued' AND direction = 'outbound'
            AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
          ORDER BY priority DESC, created_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED),
       blocked AS (
         SELECT p.id FROM picked p CROSS JOIN ch
           JOIN contact_opt_outs o ON o.account_id = p.account_id AND o.channel_scope = ch.scope
            AND o.address = CASE
                  WHEN ch.scope IN ('sms', 'whatsapp') AND left(p.delivery_address, 1) <> '+' THEN '+' || p.delivery_address
                  WHEN ch.scope = 'email' THEN lower(p.delivery_address)
                  ELSE p.delivery_address END)
       UPDATE messages m
          SET status = CASE WHEN blocked.id IS NULL THEN 'sending' ELSE 'failed' END,
              attempts = CASE WHEN blocked.id IS NULL THEN m.attempts + 1 ELSE m.attempts END,
              failed_at = CASE WHEN blocked.id IS NULL THEN m.failed_at ELSE $2 END,
              error_code = CASE WHEN blocked.id IS NULL THEN m.error_code ELSE '${OPTED_OUT}' END,
              error_message = CASE WHEN blocked.id IS NULL THEN m.error_message ELSE '${OPTED_OUT_MESSAGE}' END,
              updated_at = $2
         FROM picked LEFT JOIN blocked ON blocked.id = picked.id
        WHERE m.id = picked.id AND m.created_at = picked.created_at AND m.status = 'queued'
       RETURNING m.id, m.created_at, m.account_id, m.delivery_address, m.message_body, m.metadata,
                 m.attempts, m.priority, m.group_message_id, m.trace_id, m.status`,
      [channelId, now, limit],
    );
    const claimed = rows.map((r) => ({
      id: String(r.id),
      createdAt: iso(r.created_at),
      accountId: String(r.account_id),
      deliveryAddress: String(r.delivery_address),
      messageBody: String(r.message_body),
      metadata: (r.metadata ?? {}) as Record<string, unknown>,
      attempts: Number(r.attempts),
      priority: Number(r.priority),
      groupMessageId: (r.group_message_id as string | null) ?? null,
      traceId: (r.trace_id as string | null) ?? null,
      failed: r.status === "failed",
    }));
    const failed = claimed.filter((c) => c.failed);
    if (failed.length > 0) {
      // Every status change has its event row: queued → failed, with the reason.
      await s.query(
        `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, event_data)
         SELECT e.id, $5, e.message_id, e.message_created_at, e.account_id, 'status_changed', 'queued', 'failed',
                jsonb_build_object('channel_id', $6::text, 'error_code', '${OPTED_OUT}', 'error_message', '${OPTED_OUT_MESSAGE}')
           FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[]) AS e(id, message_id, message_created_at, account_id)`,
        [failed.map(() => uuidv7(now)), failed.map((c) => c.id), failed.map((c) => c.createdAt), failed.map((c) => c.accountId), now, channelId],
      );
    }
    return { sending: claimed.filter((c) => !c.failed).map(({ failed: _f, ...row }) => row), optedOut: failed.length };
  }

  /**
   * Records the outcome of a batch: one UPDATE for the messages (only rows still `sending`, so a
   * late writer cannot overwrite a newer state) and one INSERT of their message_events.
   */
  async applyOutcomes(outcomes: (MessageOutcome & { accountId: string })[], now: Date, channelId: string): Promise<number> {
    if (outcomes.length === 0) return 0;
    const col = <T>(f: (o: MessageOutcome & { accountId: string }) => T) => outcomes.map(f);
    return this.db.withSession(async (s) => {
      const updated = await s.query<{ id: string }>(
        `UPDATE messages m SET
            status = u.status,
            provider_message_id = COALESCE(u.provider_message_id, m.provider_message_id),
            sent_at = CASE WHEN u.status = 'sent' THEN $9 ELSE m.sent_at END,
            failed_at = CASE WHEN u.status = 'failed' THEN $9 ELSE m.failed_at END,
            error_code = u.error_code,
            error_message = u.error_message,
            next_attempt_at = u.next_attempt_at,
            updated_at = $9
           FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[])
                AS u(id, created_at, status, provider_message_id, error_code, error_message, next_attempt_at, account_id)
          WHERE m.id = u.id AND m.created_at = u.created_at AND m.status = 'sending'
         RETURNING m.id`,
        [
          col((o) => o.id),
          col((o) => o.createdAt),
          col((o) => o.status),
          col((o) => (o.status === "sent" ? o.providerMessageId : null)),
          col((o) => (o.status === "sent" ? null : o.errorCode)),
          col((o) => (o.status === "sent" ? null : o.errorMessage)),
          col((o) => (o.status === "queued" ? o.nextAttemptAt : null)),
          col((o) => o.accountId),
          now,
        ],
      );
      const moved = new Set(updated.rows.map((r) => String(r.id)));
      const events = outcomes.filter((o) => moved.has(o.id));
      if (events.length > 0) {
        await s.query(
          `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, event_data)
           SELECT e.id, $7, e.message_id, e.message_created_at, e.account_id, 'status_changed', 'sending', e.to_status, e.data
             FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::jsonb[])
                  AS e(id, message_id, message_created_at, account_id, to_status, data)`,
          [
            events.map(() => uuidv7(now)),
            events.map((o) => o.id),
            events.map((o) => o.createdAt),
            events.map((o) => o.accountId),
            events.map((o) => o.status),
            events.map((o) =>
              JSON.stringify(
                o.status === "sent"
                  ? { channel_id: channelId, provider_message_id: o.providerMessageId }
                  : { channel_id: channelId, error_code: o.errorCode, error_message: o.errorMessage, ...(o.status === "queued" ? { retry_at: o.nextAttemptAt.toISOString(), throttled: o.throttled } : {}) },
              ),
            ),
            now,
          ],
        );
      }
      return moved.size;
    });
  }

  /** Records the `queued → sending` claim itself, so every status change has its event row. */
  async recordClaims(claimed: ClaimedMessage[], now: Date, channelId: string): Promise<void> {
    if (claimed.length === 0) return;
    await this.db.withSession((s) =>
      s.query(
        `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, event_data)
         SELECT e.id, $5, e.message_id, e.message_created_at, e.account_id, 'status_changed', 'queued', 'sending', jsonb_build_object('channel_id', $6::text, 'attempt', e.attempt)
           FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $7::int[]) AS e(id, message_id, message_created_at, account_id, attempt)`,
        [claimed.map(() => uuidv7(now)), claimed.map((c) => c.id), claimed.map((c) => c.createdAt), claimed.map((c) => c.accountId), now, channelId, claimed.map((c) => c.attempts)],
      ),
    );
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

  /**
   * Messages stuck in `sending` longer than `staleMs`: their dispatcher died between claiming and
   * recording. The provider may or may not have accepted them, so putting them back in the queue
   * can duplicate; the count is returned so it is reported, never hidden.
   */
  async requeueStuckSending(now: Date, staleMs: number): Promise<{ id: string; channelId: string }[]> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ id: string; channel_id: string; created_at: unknown; account_id: string }>(
        `UPDATE messages SET status = 'queued', next_attempt_at = NULL, updated_at = $1,
                error_code = 'dispatcher_crash_window', error_message = 'requeued after its dispatcher stopped mid-send'
          WHERE status = 'sending' AND updated_at < $2
         RETURNING id, channel_id, created_at, account_id`,
        [now, new Date(now.getTime() - staleMs)],
      );
      if (rows.length > 0) {
        // Kept as events so the possible duplicates stay countable after the resend succeeds.
        await s.query(
          `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, event_data)
           SELECT e.id, $5, e.message_id, e.message_created_at, e.account_id, 'requeued', 'sending', 'queued', '{"reason":"dispatcher_crash_window"}'::jsonb
             FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[]) AS e(id, message_id, message_created_at, account_id)`,
          [rows.map(() => uuidv7(now)), rows.map((r) => r.id), rows.map((r) => r.created_at), rows.map((r) => r.account_id), now],
        );
      }
      return rows.map((r) => ({ id: String(r.id), channelId: String(r.channel_id) }));
    });
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
