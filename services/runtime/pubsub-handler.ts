/**
 * How a subscription route answers Dapr: every delivery gets an explicit status, so a failure is never
 * acknowledged by accident.
 */

import type { Request, RequestHandler } from "express";
import type { ZodType } from "zod";
import { withTrace, type Logger } from "../../core/logger.js";
import { newTraceparent, parseTraceparent } from "../../core/trace.js";

/**
 * The answer Dapr expects from a subscription route. SUCCESS acks; RETRY asks the sidecar to
 * redeliver (its resiliency policy, then the dead-letter topic); DROP sends the event to the
 * dead-letter topic at once. Answering anything else, or throwing, must never silently ack.
 */
export type PubSubStatus = "SUCCESS" | "RETRY" | "DROP";

/** Thrown by a handler for a failure that a later delivery cannot fix (bad data, unknown target). */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentEventError";
  }
}

export interface EventContext {
  id: string;
  topic: string;
  traceparent: string;
  traceId: string;
  log: Logger;
}

interface CloudEventEnvelope {
  id?: string;
  topic?: string;
  data?: unknown;
  traceparent?: string;
}

/**
 * Wraps a subscription handler: validates the CloudEvent's data with zod (invalid → DROP), runs
 * the handler inside the event's trace context, maps a PermanentEventError to DROP and any other
 * exception to RETRY. The sidecar sees a clear status for every delivery.
 */
export function subscriptionRoute<T>(
  schema: ZodType<T>,
  handler: (data: T, ctx: EventContext) => Promise<PubSubStatus | void>,
  log: Logger,
): RequestHandler {
  return async (req: Request, res) => {
    const envelope = (req.body ?? {}) as CloudEventEnvelope;
    const id = String(envelope.id ?? "unknown");
    const topic = String(envelope.topic ?? req.path);
    const traceparent = parseTraceparent(envelope.traceparent) ? envelope.traceparent! : newTraceparent();
    const traceId = parseTraceparent(traceparent)!.traceId;
    const elog = log.child({ eventId: id, topic });
    const reply = (status: PubSubStatus) => res.status(200).json({ status });

    await withTrace({ traceId, traceparent }, async () => {
      const parsed = schema.safeParse(envelope.data);
      if (!parsed.success) {
        elog.warn({ issues: parsed.error.issues.slice(0, 5) }, "malformed event dropped to dead letters");
        reply("DROP");
        return;
      }
      try {
        const status = await handler(parsed.data, { id, topic, traceparent, traceId, log: elog });
        reply(status ?? "SUCCESS");
      } catch (err) {
        if (err instanceof PermanentEventError) {
          elog.warn({ err: err.message }, "event failed permanently; dropped to dead letters");
          reply("DROP");
        } else {
          elog.warn(
            { err: err instanceof Error ? err.message : String(err) },
            "event handling failed; asking for redelivery",
          );
          reply("RETRY");
        }
      }
    });
  };
}
