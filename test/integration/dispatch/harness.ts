import type { PubSubKind, StateKind } from "../../../scripts/launcher/stack.js";
import { startSimulator, type RunningSimulator } from "../../../services/simulator/simulator.js";
import { TEST_KEYS } from "../support/seed.js";
import { startTestStack, type TestStack } from "../support/stack.js";

/** A production stack (RabbitMQ, PostgreSQL, real sidecars) whose adapters talk to an in-process simulator. */
export interface DispatchHarness {
  t: TestStack;
  sim: RunningSimulator;
  db: string;
  apiDaprPort: number;
  stop(): Promise<void>;
}

const HTTP_PROVIDERS = ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"];

export async function startDispatchHarness(opts: {
  basePort: number;
  extraDispatchers?: number;
  appEnv?: Record<string, string>;
  pubsub?: PubSubKind;
  state?: StateKind;
}): Promise<DispatchHarness> {
  const sim = await startSimulator({ httpPort: 0, smtpPort: 0, smppPort: 0 });
  const t = await startTestStack({
    set: "production",
    basePort: opts.basePort,
    pubsub: opts.pubsub,
    state: opts.state,
    extraDispatchers: opts.extraDispatchers,
    env: {
      CREDENTIALS_KEYS: TEST_KEYS,
      PROVIDER_BASE_URLS: JSON.stringify(Object.fromEntries(HTTP_PROVIDERS.map((p) => [p, sim.httpUrl]))),
    },
    // A sweep every second: lost nudges are found fast, and a test can count sweeps per period.
    appEnv: { SWEEP_STALE_QUEUED_MS: "3000", SWEEP_INTERVAL_MS: "1000", ...opts.appEnv },
  });
  return {
    t,
    sim,
    db: t.databaseUrl!,
    apiDaprPort: t.stack.apps.get(t.apiApp)!.ports.daprHttp,
    async stop() {
      await t.stop();
      await sim.stop();
    },
  };
}

export const telegramCredentials = { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" };

export const twilioCredentials = {
  account_sid: `AC${"a1".repeat(16)}`,
  auth_token: "twilio-auth-token-123456",
  from: "+15550001111",
};
export const vonageCredentials = {
  api_key: "vonage1",
  api_secret: "vonage-secret-1",
  from: "Turumba",
  signature_secret: "sim-vonage-signature-secret",
};

/** Acceptance times the simulator recorded for a provider. */
export async function timeline(h: DispatchHarness, provider: string): Promise<number[]> {
  const res = await fetch(`${h.sim.httpUrl}/_sim/timeline/${provider}`);
  return ((await res.json()) as { acceptedAt: number[] }).acceptedAt;
}

/** Most events inside any window of `windowMs` (two-pointer sweep over sorted times). */
export function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
