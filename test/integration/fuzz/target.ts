/**
 * The platform the fuzzer runs against: the embedded default (one app with its sidecar, in-memory
 * pub/sub, SQLite actor state, PGlite) with every HTTP provider pointed at the provider simulator,
 * so a channel the fuzzer creates with `verify=true` is checked against a provider that answers
 * instead of the internet. The API rate limit is off: the fuzzer would otherwise spend its budget
 * on 429s. One account and one API key of the admin role, so every operation is allowed.
 */

import { randomUUID } from "node:crypto";
import { spawnSimulator, type SimulatorProcess } from "../../../services/simulator/spawn.js";
import { startTestStack, type TestStack } from "../support/stack.js";

export interface FuzzTarget {
  /** Base URL of the API, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  accountId: string;
  t: TestStack;
  stop(): Promise<void>;
}

const HTTP_PROVIDERS = ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"];

export async function startFuzzTarget(basePort: number): Promise<FuzzTarget> {
  const sim: SimulatorProcess = await spawnSimulator({});
  let t: TestStack | undefined;
  try {
    t = await startTestStack({
      set: "embedded",
      basePort,
      appEnv: { API_RATE_LIMIT: "0", LOG_LEVEL: "warn" },
      env: { PROVIDER_BASE_URLS: JSON.stringify(Object.fromEntries(HTTP_PROVIDERS.map((p) => [p, sim.http]))) },
    });
    const accountId = randomUUID();
    const r = await t.ops("/internal/api-keys", { method: "POST", body: { accountId, name: "fuzzer", role: "admin" } });
    if (r.status !== 201) throw new Error(`bootstrapping an API key answered ${r.status}: ${JSON.stringify(r.body)}`);
    const stack = t;
    return {
      baseUrl: stack.stack.url(stack.apiApp, "").replace(/\/$/, ""),
      apiKey: (r.body as { key: string }).key,
      accountId,
      t: stack,
      async stop() {
        await stack.stop();
        await sim.stop();
      },
    };
  } catch (err) {
    await t?.stop();
    await sim.stop();
    throw err;
  }
}
