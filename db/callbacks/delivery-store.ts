/**
 * The callback delivery log (webhook_deliveries and webhook_delivery_attempts, migration 0075).
 * The fan-out inserts one row per (endpoint, event), once whatever the redeliveries; the
 * endpoint's delivery actor takes due rows (at most one per ordering key, the oldest, so a
 * message's statuses go out in order), records every attempt and moves each row to delivered, to
 * a later try or to failed. Tenants read the log and ask for a row to be tried again.
 */

import type { CallbackEvent } from "../../core/callbacks/events.js";
import type { Database } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";
import { settleCallbacks } from "./outbox.js";

export interface NewDelivery {
  endpointId: string;
  event: CallbackEvent;
}

export interface DueDelivery {
  id: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  firstAttemptAt: Date | null;
}

export interface AttemptOutcome {
  id: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  errorCode: string | null;
  /** delivered, retry at this time, or failed for good. */
  next: { delivered: true } | { retryAt: Date } | { failed: true };
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  lastStatusCode: number | null;
  lastErrorCode: string | null;
  history: Array<{ attemptedAt: Date; statusCode: number | null; latencyMs: number; errorCode: string | null }>;
}

const NEW_COLUMNS: UnnestColumn<NewDelivery & { seq: number }>[] = [
  { name: "seq", type: "int", value: (d) => d.seq },
  { name: "endpoint_id", type: "uuid", value: (d) => d.endpointId },
  { name: "account_id", type: "uuid", value: (d) => d.event.account_id },
  { name: "event_id", type: "uuid", value: (d) => d.event.id },
  { name: "event_type", type: "text", value: (d) => d.event.type },
  { name: "ordering_key", type: "text", value: (d) => d.event.ordering_key },
  { name: "payload", type: "jsonb", value: (d) => JSON.stringify(d.event) },
];

const OUTCOME_COLUMNS: UnnestColumn<AttemptOutcome>[] = [
  { name: "id", type: "bigint", value: (o) => o.id },
  { name: "attempted_at", type: "timestamptz", value: (o) => o.attemptedAt },
  { name: "status_code", type: "int", value: (o) => o.statusCode },
  { name: "latency_ms", type: "int", value: (o) => o.latencyMs },
  { name: "error_code", type: "text", value: (o) => o.errorCode },
  {
    name: "status",
    type: "text",
    value: (o) => ("delivered" in o.next ? "delivered" : "failed" in o.next ? "failed" : "pending"),
  },
  { name: "retry_at", type: "timestamptz", value: (o) => ("retryAt" in o.next ? o.next.retryAt : null) },
];

const date = (v: unknown) =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string | number);

export class DeliveryStore {
  constructor(private readonly db: Database) {}

  /**
   * Records deliveries, skipping those already recorded (same endpoint and event id), only for
   * endpoints still enabled and of the event's own account, and removes the `settled` events from
   * the callback outbox in the same transaction. Returns the endpoints that got new rows.
   */
  async enqueue(deliveries: readonly NewDelivery[], settled: readonly string[] = []): Promise<Set<string>> {
    if (deliveries.length === 0 && settled.length === 0) return new Set();
    // Ids follow the batch's order (the ordering rule reads them), whatever order the join yields.
    const d = unnestRows(
      deliveries.map((x, seq) => ({ ...x, seq })),
      NEW_COLUMNS,
      "d",
    );
    const rows = await this.db.transaction(async (tx) => {
      const inserted =
        deliveries.length === 0
          ? []
          : (
              await tx.query<{ endpoint_id: string }>(
                `INSERT INTO webhook_deliveries (endpoint_id, account_id, event_id, event_type, ordering_key, payload)
                 SELECT d.endpoint_id, d.account_id, d.event_id, d.event_type, d.ordering_key, d.payload FROM ${d.from}
                   JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.account_id = d.account_id AND e.enabled
                  ORDER BY d.seq
                 ON CONFLICT (endpoint_id, event_id) DO NOTHING
                 RETURNING endpoint_id`,
                d.params,
              )
            ).rows;
      await settleCallbacks(tx, settled);
      return inserted;
    });
    return new Set(rows.map((r) => String(r.endpoint_id)));
  }

  /**
   * Due deliveries of one endpoint, oldest first, at most one per ordering key: a key whose older
   * delivery is still pending (due or not) waits for it. The heads of the keys are read with
   * DISTINCT ON rather than a "no older pending row" anti-join, whose plan on a young table (no
   * statistics yet) scanned the pending rows once per row: 78 s a round at 10,000 pending.
   */
  async due(endpointId: string, now: Date, limit: number): Promise<DueDelivery[]> {
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `WITH heads AS (
           SELECT DISTINCT ON (ordering_key) id, next_attempt_at FROM webhook_deliveries
            WHERE endpoint_id = $1 AND status = 'pending' ORDER BY ordering_key, id)
         SELECT d.id, d.event_id, d.event_type, d.payload::text AS body, d.attempts, d.first_attempt_at
           FROM heads h JOIN webhook_deliveries d ON d.id = h.id
          WHERE h.next_attempt_at <= $2
          ORDER BY h.id LIMIT $3`,
        [endpointId, now, limit],
      ),
    );
    return rows.map((r) => ({
      id: String(r.id),
      eventId: String(r.event_id),
      eventType: String(r.event_type),
      body: String(r.body),
      attempts: Number(r.attempts),
      firstAttemptAt: date(r.first_attempt_at),
    }));
  }

  /**
   * When the endpoint's next delivery is due, or undefined when none is pending. Only the oldest
   * pending delivery of each ordering key counts: the others wait for it, not for their own time.
   */
  async nextDueAt(endpointId: string): Promise<Date | undefined> {
    const { rows } = await this.db.withSession((s) =>
      s.query<{ at: unknown }>(
        `SELECT min(next_attempt_at) AS at FROM (
           SELECT DISTINCT ON (ordering_key) next_attempt_at FROM webhook_deliveries
            WHERE endpoint_id = $1 AND status = 'pending' ORDER BY ordering_key, id) heads`,
        [endpointId],
      ),
    );
    return date(rows[0]?.at) ?? undefined;
  }

  /** Writes a round's attempts and moves each delivery on, in one statement each. */
  async record(outcomes: readonly AttemptOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const o = unnestRows(outcomes, OUTCOME_COLUMNS, "o");
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE webhook_deliveries d SET
            status = o.status,
            attempts = d.attempts + 1,
            first_attempt_at = COALESCE(d.first_attempt_at, o.attempted_at),
            next_attempt_at = COALESCE(o.retry_at, d.next_attempt_at),
            last_status_code = o.status_code,
            last_error_code = o.error_code,
            delivered_at = CASE WHEN o.status = 'delivered' THEN o.attempted_at ELSE d.delivered_at END
           FROM ${o.from}
          WHERE d.id = o.id`,
        o.params,
      );
      await tx.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, status_code, latency_ms, error_code)
         SELECT o.id, o.attempted_at, o.status_code, o.latency_ms, o.error_code FROM ${o.from}`,
        o.params,
      );
    });
  }

  /** The endpoint's deliveries, newest first, with their attempts. */
  async list(endpointId: string, limit: number, before?: string): Promise<DeliveryRow[]> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT id, event_id, event_type, status, attempts, next_attempt_at, created_at, delivered_at, last_status_code, last_error_code
           FROM webhook_deliveries WHERE endpoint_id = $1 AND ($3::bigint IS NULL OR id < $3)
          ORDER BY id DESC LIMIT $2`,
        [endpointId, limit, before ?? null],
      );
      const ids = rows.map((r) => String(r.id));
      const attempts =
        ids.length === 0
          ? []
          : (
              await s.query<Record<string, unknown>>(
                `SELECT delivery_id, attempted_at, status_code, latency_ms, error_code FROM webhook_delivery_attempts
                  WHERE delivery_id = ANY($1::bigint[]) ORDER BY id`,
                [ids],
              )
            ).rows;
      const byDelivery = new Map<string, DeliveryRow["history"]>();
      for (const a of attempts) {
        const list = byDelivery.get(String(a.delivery_id)) ?? [];
        list.push({
          attemptedAt: date(a.attempted_at)!,
          statusCode: a.status_code === null ? null : Number(a.status_code),
          latencyMs: Number(a.latency_ms),
          errorCode: (a.error_code as string | null) ?? null,
        });
        byDelivery.set(String(a.delivery_id), list);
      }
      return rows.map((r) => ({
        id: String(r.id),
        eventId: String(r.event_id),
        eventType: String(r.event_type),
        status: String(r.status),
        attempts: Number(r.attempts),
        nextAttemptAt: r.status === "pending" ? date(r.next_attempt_at) : null,
        createdAt: date(r.created_at)!,
        deliveredAt: date(r.delivered_at),
        lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
        lastErrorCode: (r.last_error_code as string | null) ?? null,
        history: byDelivery.get(String(r.id)) ?? [],
      }));
    });
  }

  /**
   * A tenant asks for a delivery to be tried again: pending and due now, with a fresh retry
   * period. False when the endpoint has no such delivery.
   */
  async retry(endpointId: string, deliveryId: string, now: Date): Promise<boolean> {
    const { rows } = await this.db.withSession((s) =>
      s.query(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, first_attempt_at = NULL
          WHERE endpoint_id = $1 AND id = $2 RETURNING id`,
        [endpointId, deliveryId, now],
      ),
    );
    return rows.length > 0;
  }
}
