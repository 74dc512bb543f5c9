/**
 * One drain of an endpoint's due callbacks: rounds of at most `batchSize` deliveries (one per
 * ordering key, so a message's statuses go out in order), each signed and sent with at most
 * `concurrency` in flight and `ratePerSecond` started, then recorded in one write. A failure is
 * retried with backoff until the retry period is over; then the endpoint is disabled with the
 * reason. A round where every attempt failed ends the drain: the endpoint is down, and its other
 * deliveries wait for the next retry instead of each costing a request now.
 */

import { nextCallbackAttempt } from "../../core/callbacks/retry-schedule.js";
import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from "../../core/callbacks/signature.js";
import type { CallbackAttempt, CallbackPorts, DueCallback } from "./callback-ports.js";

export interface DrainResult {
  delivered: number;
  failed: number;
  /** When the endpoint's next pending delivery is due; undefined when none is pending or it was disabled. */
  nextDueAt?: Date;
  disabled?: string;
}

/** Spaces request starts 1/rate apart; shared by the rounds of one endpoint's drains. */
export class Pacer {
  private nextAt = 0;

  constructor(private readonly ratePerSecond: number) {}

  async slot(now: () => number): Promise<void> {
    const t = now();
    const at = Math.max(t, this.nextAt);
    this.nextAt = at + 1_000 / this.ratePerSecond;
    if (at > t) await new Promise((r) => setTimeout(r, at - t));
  }
}

export async function drainEndpoint(endpointId: string, ports: CallbackPorts, pacer: Pacer): Promise<DrainResult> {
  const s = ports.settings;
  const endpoint = await ports.endpoint(endpointId);
  if (!endpoint?.enabled) return { delivered: 0, failed: 0 };
  const started = ports.now();
  const result: DrainResult = { delivered: 0, failed: 0 };
  while (ports.now() - started < s.drainBudgetMs) {
    const due = await ports.due(endpointId, new Date(ports.now()), s.batchSize);
    if (due.length === 0) break;
    const attempts = await inFlight(due, s.concurrency, async (d) => {
      await pacer.slot(() => ports.now());
      return attempt(d, endpoint, ports);
    });
    await ports.record(attempts);
    const ok = attempts.filter((a) => "delivered" in a.next).length;
    result.delivered += ok;
    result.failed += attempts.length - ok;
    const givenUp = attempts.find((a) => "failed" in a.next);
    if (givenUp) {
      const reason = `deliveries failed for ${span(s.retryPeriodMs)} (the retry period); last error: ${
        givenUp.errorCode ?? "unknown"
      }${givenUp.statusCode === null ? "" : ` (HTTP ${givenUp.statusCode})`}`;
      await ports.disable(endpointId, reason, new Date(ports.now()));
      ports.log.warn({ endpointId, reason }, "callback endpoint disabled");
      return { ...result, disabled: reason };
    }
    if (ok === 0) break;
  }
  return { ...result, nextDueAt: await ports.nextDueAt(endpointId) };
}

async function attempt(
  d: DueCallback,
  endpoint: { url: string; secret: string },
  ports: CallbackPorts,
): Promise<CallbackAttempt> {
  const attemptedAt = new Date(ports.now());
  const timestamp = Math.floor(attemptedAt.getTime() / 1000);
  const r = await ports.sender.send({
    url: endpoint.url,
    body: d.body,
    headers: {
      [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, timestamp, d.body),
      [EVENT_ID_HEADER]: d.eventId,
      [EVENT_TYPE_HEADER]: d.eventType,
    },
  });
  const base = { id: d.id, attemptedAt, statusCode: r.statusCode, latencyMs: r.latencyMs, errorCode: r.errorCode };
  if (r.ok) return { ...base, next: { delivered: true } };
  const decision = nextCallbackAttempt({
    attempts: d.attempts + 1,
    firstAttemptAt: d.firstAttemptAt ?? attemptedAt,
    now: new Date(ports.now()),
    retryPeriodMs: ports.settings.retryPeriodMs,
    baseDelayMs: ports.settings.baseDelayMs,
  });
  return { ...base, next: "giveUp" in decision ? { failed: true } : { retryAt: decision.retryAt } };
}

/** A period as people read it: 24 h, 90 min, 6 s. */
function span(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** Maps with at most `limit` calls in flight, results in input order. */
async function inFlight<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
