/**
 * The schedule actor's SQL. A trigger is one transaction that creates the send for that trigger
 * time and moves the schedule on; uniqueness on (schedule, trigger time) for both messages and
 * group messages makes a reminder that fires twice create one send. What it creates carries the
 * schedule's channel content: its options, and a single send's template parts rendered for the
 * recipient (core/content/compose.ts), as a direct send would.
 */

import { TOO_LONG_CODE, tooLongDetail } from "../../core/content/limits.js";
import { randomUUID } from "node:crypto";
import { segmentInfo } from "../../core/sms/encoding.js";
import type { FireResult, ScheduleSnapshot } from "../../core/schedule/schedule-snapshot.js";
import { deliveryAddressOf } from "../../core/campaign/contact.js";
import { groupMessageEventSchema, TOPICS } from "../../core/events.js";
import { type ChannelType } from "../../core/messages/vocabulary.js";
import type { EventPublisher } from "../../core/publisher.js";
import { reserveChannelQuota } from "../accounts/channel-quotas.js";
import { campaignCompletedCallback } from "../../core/callbacks/campaign-callbacks.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import { campaignState } from "../campaigns/counter-fold.js";
import type { Database, Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { FallbackStrategy } from "../../core/messages/lifecycle.js";
import { composeForChannel, type ContentSource } from "../../core/content/compose.js";
import type { EmailParts, WhatsAppMapping } from "../../core/content/template-parts.js";
import {
  OUTSIDE_CARE_WINDOW,
  OUTSIDE_CARE_WINDOW_MESSAGE,
  carriesTemplate,
  insideCareWindow,
} from "../../core/messages/care-window.js";
import { effectiveOptions } from "../../core/messages/channel-options.js";
import { lastInboundTimes } from "../conversations/care-window.js";

const SMS_TYPES: readonly string[] = ["sms", "smpp"];

function snapshot(r: Record<string, unknown>): ScheduleSnapshot {
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    id: String(r.id),
    status: String(r.status),
    nextTriggerAt: d(r.next_trigger_at),
    lastTriggeredAt: d(r.last_triggered_at),
    triggerCount: Number(r.trigger_count),
    spec: {
      scheduledAt: d(r.scheduled_at)!,
      timezone: (r.timezone as string | null) ?? "UTC",
      isRecurring: Boolean(r.is_recurring),
      rule: (r.recurrence_rule as string | null) ?? null,
      endAt: d(r.recurrence_end_at),
      maxCount:
        r.recurrence_max_count === null || r.recurrence_max_count === undefined ? null : Number(r.recurrence_max_count),
    },
  };
}

export class ScheduleStore {
  constructor(
    private readonly db: Database,
    private readonly publisher: EventPublisher,
  ) {}

  async load(id: string): Promise<ScheduleSnapshot | undefined> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(`SELECT * FROM scheduled_messages WHERE id = $1`, [id]);
      return rows[0] ? snapshot(rows[0]) : undefined;
    });
  }

  async setNextTrigger(id: string, next: Date | null, now: Date): Promise<void> {
    await this.db.withSession((s) =>
      s.query(
        `UPDATE scheduled_messages SET next_trigger_at = $2, status = CASE WHEN $2::timestamptz IS NULL THEN 'completed' ELSE status END, updated_at = $3
          WHERE id = $1 AND status = 'pending'`,
        [id, next, now],
      ),
    );
  }

  async fire(id: string, at: Date, next: Date | null, now: Date): Promise<FireResult> {
    const done = await this.db.transaction(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT s.*, c.channel_type FROM scheduled_messages s JOIN channels c ON c.id = s.channel_id WHERE s.id = $1 FOR UPDATE OF s`,
        [id],
      );
      const r = rows[0];
      if (!r || r.status !== "pending" || new Date(r.next_trigger_at as string).getTime() !== at.getTime()) {
        return {
          fired: false,
          next: r?.next_trigger_at ? new Date(r.next_trigger_at as string) : null,
          publish: undefined,
        };
      }
      const channelType = String(r.channel_type) as ChannelType;
      // Schedules made before options had a field of their own kept them in metadata.
      const options = effectiveOptions(
        channelType,
        (r.metadata ?? {}) as Record<string, unknown>,
        (r.channel_options ?? {}) as Record<string, unknown>,
      );
      let publish: { kind: "message"; messageId: string } | { kind: "group"; groupMessageId: string } | undefined;
      let created = false;
      if (r.send_type === "single") {
        const contact = r.contact_id
          ? (
              await s.query<{
                id: string;
                name: string | null;
                email: string | null;
                phone: string | null;
                metadata: Record<string, unknown>;
              }>(`SELECT id, name, email, phone, metadata FROM contacts WHERE id = $1`, [r.contact_id])
            ).rows[0]
          : undefined;
        const address =
          (r.delivery_address as string | null) ?? (contact ? deliveryAddressOf(contact, channelType) : undefined);
        const tpl = r.template_id
          ? (
              await s.query<{
                body: string;
                fallback_strategy: string;
                default_values: Record<string, string>;
                email_parts: EmailParts | null;
                whatsapp_template: WhatsAppMapping | null;
              }>(
                `SELECT body, fallback_strategy, default_values, email_parts, whatsapp_template FROM templates WHERE id = $1`,
                [r.template_id],
              )
            ).rows[0]
          : undefined;
        const source: ContentSource = tpl
          ? {
              body: tpl.body,
              email: tpl.email_parts,
              whatsapp: tpl.whatsapp_template,
              fallbackStrategy: tpl.fallback_strategy as FallbackStrategy,
              defaultValues: tpl.default_values,
            }
          : { body: (r.message_body as string | null) ?? "", fallbackStrategy: "keep" };
        const content = composeForChannel(
          channelType,
          source,
          { contact, customValues: r.custom_values as Record<string, string> },
          options,
        );
        let status = !address ? "failed" : content.skipped || content.tooLong ? "skipped" : "queued";
        let error: { code: string; message: string } | null =
          status === "failed"
            ? { code: "no_address", message: "the contact has no address for this channel type" }
            : content.tooLong
              ? { code: TOO_LONG_CODE, message: tooLongDetail(content.tooLong) }
              : status === "skipped"
                ? { code: "missing_variables", message: `missing template variables: ${content.missing.join(", ")}` }
                : null;
        if (status === "queued" && channelType === "whatsapp" && !carriesTemplate(content.options)) {
          // Free-form text outside the customer-care window could only fail: it fails now.
          const last = await lastInboundTimes(s, { id: String(r.channel_id), channelType }, [address!]);
          if (!insideCareWindow(last.get(address!), now)) {
            status = "failed";
            error = { code: OUTSIDE_CARE_WINDOW, message: OUTSIDE_CARE_WINDOW_MESSAGE };
          }
        }
        if (status === "queued") {
          // The firing is the send's acceptance: it takes its quota now, or fails rather than send over it.
          const refused = await overQuota(s.orm, String(r.account_id), channelType, 1, now);
          if (refused) {
            status = "failed";
            error = { code: "quota_exceeded", message: refused };
          }
        }
        const text = content.body;
        const seg = SMS_TYPES.includes(channelType) ? segmentInfo(text) : undefined;
        const messageId = uuidv7(at);
        const ins = await s.query<{ id: string }>(
          `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, contact_id, scheduled_message_id, template_id,
                                 direction, status, priority, delivery_address, message_body, metadata, encoding, segments, error_code, error_message, failed_at,
                                 channel_options)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'outbound', $10, 0, $11, $12, '{}', $13, $14, $15, $16, $17, $18::jsonb)
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            messageId,
            at,
            now,
            r.account_id,
            r.channel_id,
            channelType,
            contact?.id ?? null,
            id,
            r.template_id ?? null,
            status,
            address ?? "",
            text,
            seg?.encoding ?? null,
            seg?.segments ?? null,
            error?.code ?? null,
            error?.message ?? null,
            status === "failed" ? now : null,
            JSON.stringify(content.options),
          ],
        );
        created = ins.rows.length > 0;
        if (created && status === "queued") publish = { kind: "message", messageId };
      } else {
        const groupIds = (r.contact_group_ids ?? []) as string[];
        const total = await s.query<{ n: number }>(
          `SELECT count(DISTINCT contact_id)::int AS n FROM contact_group_members WHERE group_id = ANY($1::uuid[])`,
          [groupIds],
        );
        const groupMessageId = uuidv7(now);
        // A campaign takes its recipients' quota when it is queued: over the quota, it is created failed.
        const refused = await overQuota(s.orm, String(r.account_id), channelType, total.rows[0]?.n ?? 0, now);
        const ins = await s.query<Record<string, unknown>>(
          `INSERT INTO group_messages (id, account_id, name, channel_id, template_id, message_body, status, contact_group_ids, total_recipients,
                                       custom_values, metadata, queued_at, created_at, updated_at, scheduled_message_id, scheduled_for, channel_options,
                                       failure_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $15, $7::jsonb, $8, $9::jsonb, $10::jsonb, $11, $11, $11, $12, $13, $14::jsonb, $16)
           ON CONFLICT (scheduled_message_id, scheduled_for) WHERE scheduled_message_id IS NOT NULL DO NOTHING RETURNING *`,
          [
            groupMessageId,
            r.account_id,
            r.name,
            r.channel_id,
            r.template_id ?? null,
            r.message_body ?? null,
            JSON.stringify(groupIds),
            total.rows[0]?.n ?? 0,
            JSON.stringify(r.custom_values ?? {}),
            JSON.stringify({ scheduled_message_id: id }),
            now,
            id,
            at,
            JSON.stringify(options),
            refused ? "failed" : "queued",
            refused ? `quota_exceeded: ${refused}` : null,
          ],
        );
        created = ins.rows.length > 0;
        if (created && !refused) publish = { kind: "group", groupMessageId };
        // Created failed, it never reaches the campaign actor that would say so: its one
        // campaign.completed is staged here, with the row.
        if (created && refused) await stageCallbacks(s, [campaignCompletedCallback(campaignState(ins.rows[0]!))]);
      }
      await s.query(
        `UPDATE scheduled_messages SET trigger_count = trigger_count + $2, last_triggered_at = $3, next_trigger_at = $4,
                status = CASE WHEN $4::timestamptz IS NULL THEN 'completed' ELSE 'pending' END, updated_at = $5
          WHERE id = $1`,
        [id, created ? 1 : 0, at, next, now],
      );
      return {
        fired: created,
        next,
        publish,
        channelId: String(r.channel_id),
        channelType,
        accountId: String(r.account_id),
      };
    });
    // After the commit, as the API does: a lost publish is covered by the sweeps (queued rows).
    if (done.publish && "channelId" in done) {
      try {
        if (done.publish.kind === "message") {
          await this.publisher.publish(TOPICS.dispatch(done.channelType), {
            channelId: done.channelId,
            messageId: done.publish.messageId,
          });
        } else {
          const event = groupMessageEventSchema.parse({
            eventId: randomUUID(),
            occurredAt: now.toISOString(),
            accountId: done.accountId,
            type: "group_message.queued",
            groupMessageId: done.publish.groupMessageId,
            channelId: done.channelId,
            status: "queued",
          });
          await this.publisher.publish(TOPICS.groupMessageQueued, event);
        }
      } catch {
        /* the row is the record of intent; the sweeps pick it up */
      }
    }
    return { fired: done.fired, next: done.next };
  }
}

/**
 * Reserves a firing's sends against the channel type's quota; undefined when they fit (or there is
 * no quota), else why not: which quota, what is left, and when it resets.
 */
async function overQuota(
  orm: Orm,
  accountId: string,
  channelType: ChannelType,
  n: number,
  now: Date,
): Promise<string | undefined> {
  const r = await reserveChannelQuota(orm, accountId, channelType, n, now);
  if (r.ok) return undefined;
  const left = Math.max(0, r.limit - r.used);
  return `the ${r.period === "day" ? "daily" : "monthly"} ${channelType} quota of ${r.limit} has ${left} left (this firing needs ${n}); it resets at ${r.resetsAt.toISOString()}`;
}
