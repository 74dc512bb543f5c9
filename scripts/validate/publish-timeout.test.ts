/**
 * The sidecar's publish deadline against the RabbitMQ component's own publish loop. In
 * components-contrib v1.18.3 (the version daprd 1.18.2 builds with), `Publish` tries 3 times and
 * waits between tries (the component's `reconnectWaitSeconds` after a connection error, 2 s after
 * any other); when the caller's deadline ends inside such a wait it returns nil, so the sidecar
 * answers "published" for a message that never reached the broker. The deadline must therefore
 * outlast the whole loop, with room for the tries themselves and the reconnect dials.
 */

import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const read = (path: string) => parse(readFileSync(new URL(`../../${path}`, import.meta.url), "utf8"));

/** components-contrib v1.18.3 pubsub/rabbitmq: publishMaxRetries and publishRetryWaitSeconds. */
const COMPONENT_TRIES = 3;
const COMPONENT_RETRY_WAIT_S = 2;
/** For the three tries and two reconnect dials against a broker that is coming back. */
const ROOM_FOR_TRIES_S = 10;

function seconds(duration: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
}

describe("the RabbitMQ publish deadline", () => {
  it("outlasts the component's own publish retries, so a deadline never ends inside their waits", () => {
    const resiliency = read("dapr/resiliency/resiliency.yaml");
    const pubsub = read("components/pubsub/rabbitmq/pubsub.yaml");
    const meta = new Map<string, string>(
      (pubsub.spec.metadata as { name: string; value?: string }[]).map((m) => [m.name, String(m.value)]),
    );
    const reconnectWaitS = Number(meta.get("reconnectWaitSeconds") ?? "3");
    const loopS = (COMPONENT_TRIES - 1) * Math.max(reconnectWaitS, COMPONENT_RETRY_WAIT_S) + ROOM_FOR_TRIES_S;
    const target = resiliency.spec.targets.components.pubsub.outbound.timeout as string;
    expect(seconds(resiliency.spec.policies.timeouts[target] as string)).toBeGreaterThanOrEqual(loopS);
  });
});
