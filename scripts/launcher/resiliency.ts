/**
 * The resiliency policy the embedded set's sidecar gets: the shipped one (dapr/resiliency), with
 * publishing allowed to wait instead of failing fast. Written into the run directory at launch, so
 * the shipped file stays the one source.
 *
 * Why: Dapr's in-memory broker delivers to each subscription serially and holds its bus-wide lock
 * while it waits for a subscription's previous delivery to finish (components-contrib
 * common/eventbus: Publish takes handler.Lock() under bus.lock). Any slow handler — a receipt
 * batch waiting for the one PGlite session behind a campaign page's transaction — therefore
 * stalls every publish on every topic. With a 5 s publish timeout (shipped then) and a breaker that
 * trips after 20 failures, the demo's campaign start opened the breaker and failed webhooks and
 * receipts for 20 s at a time (1,415 failed publishes in one run). On a real broker publishing
 * never waits for subscribers, so production keeps failing fast.
 */

import { parseDocument } from "yaml";

/** How long a publish may wait for the in-memory broker; no breaker on it. */
export const EMBEDDED_PUBLISH_TIMEOUT = "60s";

export function embeddedResiliency(shipped: string): string {
  const doc = parseDocument(shipped);
  doc.setIn(["spec", "policies", "timeouts", "publish"], EMBEDDED_PUBLISH_TIMEOUT);
  doc.deleteIn(["spec", "targets", "components", "pubsub", "outbound", "circuitBreaker"]);
  return doc.toString();
}
