/**
 * The broker's consumer timeout. After a RabbitMQ restart, the RabbitMQ component (components-
 * contrib v1.18.3) re-subscribes every topic at once on shared channels; in the fault drill of
 * 2026-11-27 19:55 that raced ("Exception (503) unexpected command received", 141 times) and left
 * consumers the component no longer read: 256 receipts (4 × the prefetch of 64) sat delivered and
 * unacknowledged until the stack stopped, and 365 rows never got their delivery status. The broker
 * gives such deliveries back only when the consumer times out, so the timeout must be short enough
 * to matter and long enough never to cut a delivery the sidecar is still retrying.
 */

import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { COMPOSE } from "./model.js";

const text = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** Dapr's exponential retry: first wait 0.5 s, each next 1.5 times longer, ±50 % jitter, capped. */
function longestRedeliveryS(maxRetries: number, maxIntervalS: number): number {
  let total = 0;
  for (let k = 0; k < maxRetries; k++) total += Math.min(0.5 * 1.5 ** k * 1.5, maxIntervalS);
  return total;
}

describe("the broker's consumer timeout", () => {
  const infra = /^RABBIT_CONSUMER_TIMEOUT_MS=(\d+)$/m.exec(text("scripts/infra.sh"));
  const composeMs = COMPOSE.rabbitmq.consumerTimeoutMs;

  it("is the same for the local broker and the compose file", () => {
    expect(Number(infra?.[1])).toBe(composeMs);
    expect(text("scripts/infra.sh")).toContain("consumer_timeout = $RABBIT_CONSUMER_TIMEOUT_MS");
    expect(text("docker-compose.yml")).toContain(`-rabbit consumer_timeout ${composeMs}`);
  });

  it("outlasts twice the sidecar's longest redelivery of one event, and gives a stuck delivery back within minutes", () => {
    const policy = parse(text("dapr/resiliency/resiliency.yaml")).spec.policies.retries.eventRedelivery as {
      maxRetries: number;
      maxInterval: string;
    };
    const redeliveryS = longestRedeliveryS(policy.maxRetries, Number(policy.maxInterval.replace(/s$/, "")));
    expect(redeliveryS).toBeGreaterThan(30);
    expect(composeMs / 1_000).toBeGreaterThanOrEqual(2 * redeliveryS);
    expect(composeMs).toBeLessThanOrEqual(300_000);
  });
});
