import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileSink } from "../../../scripts/launcher/proc.js";
import { componentSet } from "../../../scripts/launcher/sets.js";
import {
  startStack,
  type PubSubKind,
  type MediaKind,
  type Stack,
  type StateKind,
} from "../../../scripts/launcher/stack.js";
import { isolatedBroker } from "./broker.js";
import { createTestDatabase } from "./database.js";

/**
 * Starts a real stack (placement, scheduler, apps and their daprd sidecars) for one test file.
 * Logs go to a file in the run dir, printed on failure by the caller if needed.
 */
export interface TestStack {
  stack: Stack;
  runDir: string;
  logFile: string;
  /** The app that serves the API role. */
  apiApp: string;
  /** The app that hosts actors and consumers. */
  dispatcherApp: string;
  /** PostgreSQL database of this stack (fresh per stack), when the set uses one. */
  databaseUrl?: string;
  /** RabbitMQ vhost holding this stack's queues, when the set uses RabbitMQ. */
  brokerVhost?: string;
  ops(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export async function startTestStack(opts: {
  set: "embedded" | "production";
  basePort: number;
  pubsub?: PubSubKind;
  state?: StateKind;
  media?: MediaKind;
  appEnv?: Record<string, string>;
  /** Environment for every process (CREDENTIALS_KEYS, PROVIDER_BASE_URLS, …). */
  env?: Record<string, string>;
  /** Extra dispatcher replicas (same Dapr app id, own process and sidecar). */
  extraDispatchers?: number;
}): Promise<TestStack> {
  const set = componentSet(opts.set, { pubsub: opts.pubsub, state: opts.state, media: opts.media });
  const runDir = mkdtempSync(join(tmpdir(), `turumba-it-${opts.set}-`));
  const logFile = join(runDir, "stack.log");
  const logs = fileSink(logFile);
  const apps = set.apps.map((a) => ({ ...a, env: { ...a.env, ...opts.appEnv } }));
  for (let i = 2; i <= 1 + (opts.extraDispatchers ?? 0); i++) {
    apps.push({ id: `dispatcher-${i}`, appId: "dispatcher", role: "dispatcher", env: { ...opts.appEnv } });
  }
  // A fresh database per stack: tests never see each other's rows or migrations.
  const database = set.env.DATABASE_URL ? await createTestDatabase("stack") : undefined;
  // Queues of its own on the shared broker (stacks of other test files run at the same time).
  const broker = set.pubsub === "rabbitmq" ? await isolatedBroker(`turumba-it-${opts.basePort}`) : undefined;
  const env = {
    ...set.env,
    // The simulator's SMTP and SMPP endpoints listen on loopback: every test stack allows it explicitly.
    OUTBOUND_ALLOW: "127.0.0.1",
    ...(database ? { DATABASE_URL: database.url, TURUMBA_SECRET_DAPR_STATE_PG_URL: database.url } : {}),
    ...(broker ? { TURUMBA_SECRET_AMQP_URL: broker.url } : {}),
    ...opts.env,
  };
  const stack = await startStack({
    name: opts.set,
    pubsub: set.pubsub,
    state: set.state,
    media: set.media,
    apps,
    env,
    basePort: opts.basePort,
    runDir,
    sink: logs.sink,
  });
  const apiApp = apps.find((a) => a.role !== "dispatcher")!.id;
  const dispatcherApp = apps.find((a) => a.role !== "api")!.id;
  return {
    stack,
    runDir,
    logFile,
    apiApp,
    dispatcherApp,
    databaseUrl: database?.url,
    brokerVhost: broker?.vhost,
    async ops(path, init = {}) {
      const res = await fetch(stack.url(apiApp, path), {
        method: init.method ?? "GET",
        headers: { authorization: `Bearer ${stack.tokens.opsApiToken}`, "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    },
    async stop() {
      await stack.stop();
      logs.close();
      await database?.drop();
      await broker?.drop();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
