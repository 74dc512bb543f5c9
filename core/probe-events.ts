/**
 * Pipeline probes: synthetic events an operator (or a test) sends from the API through the broker
 * to a channel actor, proving the whole path (API → sidecar → broker → dispatcher → actor state).
 */

import { z } from "zod";

export const PROBE_TOPIC = "pipeline.probe";
export const PROBE_DEAD_LETTER_TOPIC = "pipeline.probe.dead";

export const probeEventSchema = z.object({
  probeId: z.string().min(1).max(128),
  channelId: z.string().min(1).max(128),
  sentAt: z.string().datetime(),
  /** The handler fails this many deliveries before succeeding: exercises redelivery. */
  failTimes: z.number().int().min(0).max(10).default(0),
  traceparent: z.string().optional(),
});
export type ProbeEvent = z.infer<typeof probeEventSchema>;
