/**
 * The campaign's SQL. Set-based: one statement per page of 1,000 rows (and one look-up each of
 * its opt-outs and, on WhatsApp, its recipients' care windows), one per counter fold.
 * Campaign messages are dispatched at a lower priority than any single send (the API allows
 * 0..9), so a campaign backlog never delays a transactional message on the same channel.
 */

import { TOO_LONG_CODE } from "../../core/content/limits.js";
import { segmentInfo } from "../../core/sms/encoding.js";
import type { CampaignSnapshot, InsertResult } from "../../core/campaign/campaign-snapshot.js";
import type { CampaignContent } from "../../core/campaign/render.js";
import {
  addReasons,
  needsOpenWindow,
  withCareWindow,
  withoutOptedOut,
  type PagePlan,
} from "../../core/campaign/page-plan.js";
import { insideCareWindow } from "../../core/messages/care-window.js";
import { effectiveOptions } from "../../core/messages/channel-options.js";
import type { EmailParts, WhatsAppMapping } from "../../core/content/template-parts.js";
import { lastInboundTimes } from "../conversations/care-window.js";
import { normaliseAddress, optOutScope } from "../../core/webhooks/opt-out.js";
import { suppressedCode, type SuppressionSource } from "../../core/messages/suppressions.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import type { Database, Session } from "../client.js";
import { isUuid } from "../query/filters.js";
import { uuidv7 } from "../ids.js";
import type { CampaignState } from "../../core/callbacks/campaign-callbacks.js";
import type { CallbackEvent } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import { campaignState, rowCounters } from "./counter-fold.js";

export const CAMPAIGN_PRIORITY = -1;
const SMS_TYPES: readonly string[] = ["sms", "smpp"];

/** The provider account's rate per minute for a channel, undefined when its provider caps no account. */
export type AccountRateOf = (channel: { channelType: ChannelType; provider: string }) => number | undefined;

/**
 * What the channel can really send per minute: its own rate limit, or less when its provider
 * caps the whole provider account, so the fan-out does not queue ahead for a rate the channel can
 * never reach. The account's rate comes from the caller (the adapter registry knows the limits).
 */
export function effectiveRate(rateLimit: number, accountRatePerMinute: number | undefined): number {
  return accountRatePerMinute === undefined ? rateLimit : Math.min(rateLimit, accountRatePerMinute);
}

export class CampaignStore {
  constructor(
    private readonly db: Database,
    private readonly accountRateOf: AccountRateOf,
  ) {}

  async load(
    id: string,
  ): Promise<(CampaignSnapshot & { content: CampaignContent; messagesCreatedAt: Date | null }) | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT g.*, c.channel_type, c.rate_limit, c.provider, t.body AS template_body, t.fallback_strategy, t.default_values, t.is_active AS template_active,
                t.email_parts AS template_email, t.whatsapp_template AS template_whatsapp,
                f.messages_created_at, f.cursor, f.pages, f.contacts_seen, f.messages_created, f.done, f.aborted
           FROM group_messages g
           JOIN channels c ON c.id = g.channel_id
           LEFT JOIN templates t ON t.id = g.template_id
           LEFT JOIN campaign_fanout f ON f.group_message_id = g.id
          WHERE g.id = $1`,
        [id],
      );
      const r = rows[0];
      if (!r) return undefined;
      const channelType = String(r.channel_type) as ChannelType;
      return {
        id: String(r.id),
        accountId: String(r.account_id),
        status: String(r.status),
        channelId: String(r.channel_id),
        channelType,
        channelRate: effectiveRate(
          Number(r.rate_limit),
          this.accountRateOf({ channelType, provider: String(r.provider) }),
        ),
        contactGroupIds: (r.contact_group_ids ?? []) as string[],
        counters: rowCounters(r),
        messagesCreatedAt: r.messages_created_at ? new Date(r.messages_created_at as string) : null,
        fanout:
          r.messages_created_at === null || r.messages_created_at === undefined
            ? undefined
            : {
                cursor: (r.cursor as string | null) ?? null,
                pages: Number(r.pages),
                contactsSeen: Number(r.contacts_seen),
                messagesCreated: Number(r.messages_created),
                done: Boolean(r.done),
                aborted: Boolean(r.aborted),
              },
        content: {
          templateBody: (r.template_body as string | null) ?? null,
          fallbackStrategy: (r.fallback_strategy as string | null) ?? "keep",
          defaultValues: (r.default_values ?? {}) as Record<string, string>,
          templateActive: r.template_active !== false,
          messageBody: (r.message_body as string | null) ?? null,
          customValues: (r.custom_values ?? {}) as Record<string, string>,
          templateId: (r.template_id as string | null) ?? null,
          templateEmail: (r.template_email as EmailParts | null) ?? null,
          templateWhatsApp: (r.template_whatsapp as WhatsAppMapping | null) ?? null,
          // Group messages made before options had a field of their own kept them in metadata.
          options: effectiveOptions(
            channelType,
            (r.metadata ?? {}) as Record<string, unknown>,
            (r.channel_options ?? {}) as Record<string, unknown>,
          ),
        },
      };
    });
  }

  /**
   * queued → processing and the checkpoint row. started_at is kept from a first start (a resumed
   * campaign keeps it), and it is the created_at of every message of the campaign.
   */
  async startProcessing(id: string, now: Date): Promise<void> {
    await this.db.transaction(async (s) => {
      await s.query(
        `UPDATE group_messages SET status = 'processing', started_at = COALESCE(started_at, $2), updated_at = $2
          WHERE id = $1 AND status = 'queued'`,
        [id, now],
      );
      await s.query(
        `INSERT INTO campaign_fanout (group_message_id, messages_created_at, updated_at)
         SELECT id, started_at, $2 FROM group_messages WHERE id = $1 AND started_at IS NOT NULL
         ON CONFLICT (group_message_id) DO NOTHING`,
        [id, now],
      );
    });
  }

  /**
   * One page in one transaction: the campaign must still be processing (a share lock on its row
   * makes pause and cancel wait for the page, then see its rows), the checkpoint must still be
   * where this page started, the rows go in (an address already used by this campaign adds
   * nothing), and the counter delta and the advanced checkpoint are written with them.
   */
  async insertPage(
    c: CampaignSnapshot & { content: CampaignContent; messagesCreatedAt: Date | null },
    page: { cursor: string | null; nextCursor: string | null; contacts: number; plan: PagePlan; traceId?: string },
    now: Date,
  ): Promise<InsertResult> {
    const createdAt = c.messagesCreatedAt!;
    const sms = SMS_TYPES.includes(c.channelType);
    return this.db.transaction(async (s) => {
      // Recipients who opted out get no message: one primary-key look-up for the whole page.
      // WhatsApp free-form text to recipients outside the care window fails at once: one look-up
      // of the page's last inbound times.
      const plan = await withCareWindows(s, c, await withoutOptOuts(s, c, page.plan), now);
      const rows = plan.rows;
      const seg = rows.map((r) => (sms ? segmentInfo(r.body) : undefined));
      // A bail-out below commits a transaction that only took locks: nothing to undo.
      const g = await s.query<{ status: string }>(`SELECT status FROM group_messages WHERE id = $1 FOR SHARE`, [c.id]);
      if (g.rows[0]?.status !== "processing") {
        return { ok: false as const, reason: "not_processing" as const };
      }
      const f = await s.query<{ cursor: string | null; done: boolean }>(
        `SELECT cursor, done FROM campaign_fanout WHERE group_message_id = $1 FOR UPDATE`,
        [c.id],
      );
      if (!f.rows[0] || f.rows[0].done || (f.rows[0].cursor ?? null) !== page.cursor) {
        return { ok: false as const, reason: "cursor_moved" as const };
      }
      let queued = 0;
      let skippedRows = 0;
      let tooLongRows = 0;
      let failedRows = 0;
      if (rows.length > 0) {
        const inserted = await s.query<{ status: string; error_code: string | null }>(
          `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, contact_id, group_message_id, template_id,
                                 direction, status, priority, delivery_address, message_body, metadata, encoding, segments, error_code, error_message, trace_id,
                                 channel_options, failed_at)
           SELECT u.id, $1, $2, $3, $4, $5, u.contact_id, $6, $7, 'outbound', u.status, $8, u.address, u.body, u.metadata::jsonb,
                  u.encoding, u.segments, u.error_code, u.error_message, $9, u.options::jsonb, CASE WHEN u.status = 'failed' THEN $2::timestamptz END
             FROM unnest($10::uuid[], $11::uuid[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int[],
                         $19::text[], $20::text[])
                  AS u(id, contact_id, address, body, status, error_message, metadata, encoding, segments, error_code, options)
           ON CONFLICT DO NOTHING
           RETURNING status, error_code`,
          [
            createdAt,
            now,
            c.accountId,
            c.channelId,
            c.channelType,
            c.id,
            c.content.templateId,
            CAMPAIGN_PRIORITY,
            page.traceId ?? null,
            rows.map(() => uuidv7(createdAt)),
            rows.map((r) => (isUuid(r.contactId) ? r.contactId : null)),
            rows.map((r) => r.address),
            rows.map((r) => r.body),
            rows.map((r) => r.status),
            rows.map((r) => r.errorMessage),
            rows.map((r) => JSON.stringify(isUuid(r.contactId) ? {} : { source_contact_id: r.contactId })),
            seg.map((x) => x?.encoding ?? null),
            seg.map((x) => x?.segments ?? null),
            rows.map((r) => r.errorCode),
            rows.map((r) => JSON.stringify(r.options)),
          ],
        );
        for (const r of inserted.rows)
          if (r.status === "queued") queued++;
          else if (r.status === "failed") failedRows++;
          else {
            skippedRows++;
            if (r.error_code === TOO_LONG_CODE) tooLongRows++;
          }
      }
      const duplicates = rows.length - queued - skippedRows - failedRows;
      const reasons = addReasons(plan.skipped, {
        duplicate_address: duplicates,
        missing_variables: skippedRows - tooLongRows,
        rendered_too_long: tooLongRows,
      });
      const skipped = Object.values(reasons).reduce((a, b) => a + b, 0);
      if (queued > 0 || skipped > 0 || failedRows > 0) {
        await s.query(
          `INSERT INTO group_message_counter_deltas (group_message_id, queued, failed, skipped, skipped_reasons) VALUES ($1, $2, $3, $4, $5::jsonb)`,
          [c.id, queued, failedRows, skipped, JSON.stringify(reasons)],
        );
      }
      const last = page.nextCursor === null;
      const fan = await s.query<{ contacts_seen: number }>(
        `UPDATE campaign_fanout SET cursor = $2, pages = pages + 1, contacts_seen = contacts_seen + $3,
                messages_created = messages_created + $4, done = $5, updated_at = $6
          WHERE group_message_id = $1 RETURNING contacts_seen`,
        [c.id, page.nextCursor, page.contacts, queued + skippedRows + failedRows, last, now],
      );
      // The exact recipient count is known once every page is in.
      if (last)
        await s.query(`UPDATE group_messages SET total_recipients = $2, updated_at = $3 WHERE id = $1`, [
          c.id,
          fan.rows[0]!.contacts_seen,
          now,
        ]);
      return {
        ok: true as const,
        queued,
        skipped: skippedRows,
        duplicates,
        ...(failedRows > 0 ? { failed: failedRows } : {}),
      };
    });
  }

  /** Queued messages on the channel, counted up to `cap` (the partial queue index answers it). */
  async backlog(channelId: string, cap: number): Promise<number> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM messages WHERE channel_id = $1 AND status = 'queued' LIMIT $2) q`,
        [channelId, cap],
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  /**
   * Sets the final status of a campaign still processing. `callbacksOf` turns the finished
   * campaign (if this call finished it) into callback events (campaign.completed), staged in the
   * same transaction (db/callbacks/outbox.ts); they are returned for publishing after the commit.
   */
  async finish(
    id: string,
    status: string,
    now: Date,
    callbacksOf?: (finished: CampaignState) => readonly CallbackEvent[],
  ): Promise<readonly CallbackEvent[]> {
    return this.db.transaction(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `UPDATE group_messages SET status = $2, completed_at = $3, updated_at = $3 WHERE id = $1 AND status = 'processing'
         RETURNING *`,
        [id, status, now],
      );
      const events = callbacksOf && rows[0] ? callbacksOf(campaignState(rows[0])) : [];
      await stageCallbacks(s, events);
      return events;
    });
  }

  async abortFanout(id: string, reason: string, now: Date): Promise<void> {
    await this.db.transaction(async (s) => {
      await s.query(
        `UPDATE campaign_fanout SET done = true, aborted = true, updated_at = $2 WHERE group_message_id = $1`,
        [id, now],
      );
      await s.query(`UPDATE group_messages SET failure_reason = $2, updated_at = $3 WHERE id = $1`, [id, reason, now]);
    });
  }
}

async function withCareWindows(s: Session, c: CampaignSnapshot, plan: PagePlan, now: Date): Promise<PagePlan> {
  const waiting = needsOpenWindow(plan, c.channelType);
  if (waiting.length === 0) return plan;
  const last = await lastInboundTimes(
    s,
    { id: c.channelId, channelType: c.channelType },
    waiting.map((r) => r.address),
  );
  return withCareWindow(plan, c.channelType, (address) => insideCareWindow(last.get(address), now));
}

/**
 * The page without suppressed addresses, on the channel's scope or account-wide: skipped as
 * opted_out (the recipient's or provider's opt-out, a complaint), suppressed_bounce (a permanent
 * bounce) or suppressed (the account's own suppression). The scope's own row decides when both exist.
 */
async function withoutOptOuts(s: Session, c: CampaignSnapshot, plan: PagePlan): Promise<PagePlan> {
  if (plan.rows.length === 0) return plan;
  const norm = (address: string) => normaliseAddress(c.channelType, address);
  const { rows } = await s.query<{ address: string; source: SuppressionSource }>(
    `SELECT DISTINCT ON (address) address, source FROM contact_opt_outs
      WHERE account_id = $1 AND channel_scope IN ($2, 'all') AND address = ANY($3::text[])
      ORDER BY address, channel_scope = 'all'`,
    [c.accountId, optOutScope(c.channelType), [...new Set(plan.rows.map((r) => norm(r.address)))]],
  );
  if (rows.length === 0) return plan;
  const codeOf = new Map(rows.map((r) => [r.address, suppressedCode(r.source)]));
  let out = plan;
  for (const code of ["opted_out", "suppressed_bounce", "suppressed"] as const)
    out = withoutOptedOut(out, (address) => codeOf.get(norm(address)) === code, code);
  return out;
}
