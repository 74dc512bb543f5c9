/**
 * Housekeeping every API replica may run (partition work is serialised by an advisory lock):
 * monthly partitions ahead and behind, expired Idempotency-Keys, finished rate-limit windows, and
 * conversations idle for longer than CONVERSATION_IDLE_CLOSE_HOURS closed (with their
 * conversation.updated callbacks staged in the same transaction, and the caller told, so an idle
 * close is announced as a PATCH close is).
 */

import { lt } from "drizzle-orm";
import { z } from "zod";
import { conversationUpdatedCallback } from "../core/callbacks/conversation-callbacks.js";
import type { CallbackEvent } from "../core/callbacks/events.js";
import type { Logger } from "../core/logger.js";
import type { Database } from "./client.js";
import { maintainPartitions, type PartitionReport } from "./partitions.js";
import { apiRateLimits, idempotencyKeys, type ConversationRow } from "./schema.js";
import { stageCallbacks } from "./callbacks/outbox.js";
import { closeIdleConversations } from "./conversations/threads.js";
import { conversationSnapshotOf } from "./conversations/snapshot.js";

export interface MaintenanceOptions {
  monthsAhead?: number;
  retentionMonths?: number;
  dropDetached?: boolean;
  /** Rate-limit windows older than this are deleted. */
  rateWindowMs?: number;
  /** Open or pending conversations without a message for this long are closed; 0 or unset: never. */
  conversationIdleMs?: number;
  /**
   * Told the conversations the idle timer closed, once committed, to publish them as a PATCH close
   * is published (conversation.updated); their callbacks were staged in the closing transaction.
   */
  onConversationsClosed?: (closed: readonly ConversationRow[], callbacks: readonly CallbackEvent[]) => Promise<void>;
}

/** Environment settings of the maintenance routine (zod, like every other configuration). */
export const maintenanceConfigSchema = z.object({
  PARTITION_MONTHS_AHEAD: z.coerce
    .number()
    .int()
    .min(1)
    .max(24)
    .default(3)
    .describe("Monthly partitions kept ready ahead of the current month."),
  MESSAGE_RETENTION_MONTHS: z.coerce
    .number()
    .int()
    .min(1)
    .max(120)
    .default(12)
    .describe("Months of messages kept attached; older partitions are detached for archiving."),
  DROP_DETACHED_PARTITIONS: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .describe("Drop detached partitions instead of leaving them for export."),
  MAINTENANCE_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(60)
    .describe("How often the maintenance routine runs."),
  CONVERSATION_IDLE_CLOSE_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(72)
    .describe(
      "Close an open or pending conversation after this many hours without a message (checked each maintenance run); 0 never closes one. A new inbound message reopens it.",
    ),
});

export function maintenanceOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
): MaintenanceOptions & { intervalMs: number } {
  const c = maintenanceConfigSchema.parse(env);
  return {
    monthsAhead: c.PARTITION_MONTHS_AHEAD,
    retentionMonths: c.MESSAGE_RETENTION_MONTHS,
    dropDetached: c.DROP_DETACHED_PARTITIONS,
    intervalMs: c.MAINTENANCE_INTERVAL_MINUTES * 60_000,
    conversationIdleMs: c.CONVERSATION_IDLE_CLOSE_HOURS * 3_600_000,
  };
}

export interface MaintenanceReport {
  partitions: PartitionReport;
  idempotencyKeysPurged: number;
  rateWindowsPurged: number;
  conversationsClosed: number;
}

export async function runMaintenance(
  db: Database,
  now: Date,
  opts: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const partitions = await maintainPartitions(db, {
    now,
    monthsAhead: opts.monthsAhead,
    retentionMonths: opts.retentionMonths,
    dropDetached: opts.dropDetached,
  });
  const keys = await db.orm
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.expiresAt, now))
    .returning({ k: idempotencyKeys.key });
  const windowMs = opts.rateWindowMs ?? 60_000;
  const windows = await db.orm
    .delete(apiRateLimits)
    .where(lt(apiRateLimits.windowStart, new Date(now.getTime() - 2 * windowMs)))
    .returning({ b: apiRateLimits.bucket });
  let conversationsClosed = 0;
  if (opts.conversationIdleMs && opts.conversationIdleMs > 0)
    for (;;) {
      const idleMs = opts.conversationIdleMs;
      const { closed, callbacks } = await db.transaction(async (tx) => {
        const closed = await closeIdleConversations(tx.orm, now, idleMs);
        const callbacks = closed.map((c) =>
          conversationUpdatedCallback(c.accountId, conversationSnapshotOf(c), ["status"], now),
        );
        await stageCallbacks(tx, callbacks);
        return { closed, callbacks };
      });
      conversationsClosed += closed.length;
      if (closed.length === 0) break;
      await opts.onConversationsClosed?.(closed, callbacks);
    }
  return { partitions, idempotencyKeysPurged: keys.length, rateWindowsPurged: windows.length, conversationsClosed };
}

/** Runs maintenance now and then every `intervalMs` until stopped; failures are logged and retried next time. */
export function startMaintenance(
  db: Database,
  opts: MaintenanceOptions & { intervalMs?: number; log: Logger; clock?: () => Date },
): { stop(): void; done: Promise<void> } {
  const clock = opts.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      const report = await runMaintenance(db, clock(), opts);
      opts.log.info({ report }, "database maintenance done");
    } catch (err) {
      opts.log.error({ err }, "database maintenance failed");
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), opts.intervalMs ?? 3_600_000);
      timer.unref();
    }
  };
  const done = tick();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    done,
  };
}
