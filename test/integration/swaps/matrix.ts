import type { PubSubKind, StateKind } from "../../../scripts/launcher/stack.js";
import { campaignSuite } from "../campaign/suite.js";
import { dispatchSuite } from "../dispatch/suite.js";
import { runtimeSlice } from "../runtime/slice.js";
import { componentChecks } from "./component-checks.js";

/**
 * The component-swap matrix: the same suites on other brokers and state stores, selected by
 * nothing but the resources paths the launcher hands to daprd (components/pubsub/<kind>,
 * components/state/<kind>). RabbitMQ + PostgreSQL is the production set and runs in
 * test/integration/runtime/production.test.ts; the embedded set runs there too.
 */
export interface Combination {
  pubsub: PubSubKind;
  state: StateKind;
  /** First port of this combination's block of 1,000 (below 32768; 21000-26999 belong to other suites). */
  basePort: number;
}

export const COMBINATIONS = {
  "rabbitmq-redis": { pubsub: "rabbitmq", state: "redis", basePort: 27000 },
  "redis-streams-postgresql": { pubsub: "redis-streams", state: "postgresql", basePort: 28000 },
  "redis-streams-redis": { pubsub: "redis-streams", state: "redis", basePort: 29000 },
} as const satisfies Record<string, Combination>;

export type CombinationName = keyof typeof COMBINATIONS;

export interface Suite {
  name: string;
  /** Offset of this suite's ports inside the combination's block; a stack uses about 50 ports. */
  portOffset: number;
  run(c: Combination): void;
}

/**
 * Every suite that must pass on every combination. A suite that takes `{basePort, pubsub, state}`
 * joins with one line, e.g. the dispatch suite:
 *   { name: "dispatch", portOffset: 200, run: (c) => dispatchSuite({ ...c, extraDispatchers: 1 }) },
 */
export const SUITES: Suite[] = [
  {
    name: "runtime slice",
    portOffset: 0,
    run: (c) => runtimeSlice({ set: "production", ...c, extra: componentChecks(c) }),
  },
  { name: "dispatch", portOffset: 200, run: (c) => dispatchSuite({ ...c, extraDispatchers: 1 }) },
  // The campaign slice (2K recipients end to end, counters against the simulator, cancel): ~1 min.
  { name: "campaigns", portOffset: 500, run: (c) => campaignSuite({ ...c, scope: "slice" }) },
];

/** Registers every suite for one combination; each combination has its own test file. */
export function runMatrix(name: CombinationName): void {
  const c = COMBINATIONS[name];
  for (const suite of SUITES) suite.run({ ...c, basePort: c.basePort + suite.portOffset });
}
