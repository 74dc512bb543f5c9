/**
 * Request and response schemas of /v1/dead-letters: the poison events the pipeline gave up on
 * (a handler refused them, or they failed every redelivery), kept per topic, for an account's
 * admins to read and re-queue.
 */

import { z } from "zod";
import { DEAD_LETTER_TOPICS, type DeadLetterRecord } from "../../../core/dead-letters.js";

const topic = z.enum(DEAD_LETTER_TOPICS, { error: `one of ${DEAD_LETTER_TOPICS.join(", ")}` });

export const deadLetterListQuery = z.strictObject({
  topic: topic.optional().describe("Only this topic's dead letters"),
  limit: z.coerce
    .number()
    .int({ error: "a whole number" })
    .min(1, { error: "at least 1" })
    .max(500, { error: "at most 500" })
    .default(100)
    .describe("The newest this many"),
});

export const deadLetterParams = z.strictObject({
  topic,
  eventId: z.string().min(1).max(200),
});

export const deadLetterOut = z
  .object({
    topic: z.enum(DEAD_LETTER_TOPICS).describe("Where the event was published (its dead-letter topic is <topic>.dead)"),
    event_id: z.string(),
    received_at: z.string().describe("ISO 8601 date-time it was dead-lettered"),
    data: z.string().describe("The event as JSON text (cut after 4,096 characters)"),
    truncated: z.boolean().describe("The text was cut: it can be read but not re-queued"),
  })
  .meta({ id: "DeadLetter" });

export const deadLetterPage = z.object({
  items: z.array(deadLetterOut).describe("Newest first"),
  total: z.number().int().describe("Dead letters of the caller's accounts kept now (before the limit)"),
});

export const requeueOut = z.object({
  topic: z.enum(DEAD_LETTER_TOPICS),
  event_id: z.string(),
  requeued: z.literal(true),
});

export function deadLetterJson(topicName: (typeof DEAD_LETTER_TOPICS)[number], r: DeadLetterRecord) {
  return {
    topic: topicName,
    event_id: r.eventId,
    received_at: r.receivedAt,
    data: r.data,
    // Entries kept before the flag existed: a cut text ends with the ellipsis added past the limit.
    truncated: r.truncated ?? (r.data.length > 4_096 && r.data.endsWith("…")),
  };
}
