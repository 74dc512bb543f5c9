import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { beforeAll, expect, it } from "vitest";
import { managementQueues } from "../support/broker.js";
import type { TestStack } from "../support/stack.js";
import { eventually } from "../support/stack.js";
import type { Combination } from "./matrix.js";

const run = promisify(execFile);
const REDIS_HOST = process.env.REDIS_HOST ?? "127.0.0.1:6379";

/** Dapr component type behind each of our kinds: what the sidecar must report it loaded. */
const PUBSUB_TYPE = {
  "in-memory": "pubsub.in-memory",
  rabbitmq: "pubsub.rabbitmq",
  "redis-streams": "pubsub.redis",
} as const;
const STATE_TYPE = { sqlite: "state.sqlite", postgresql: "state.postgresql", redis: "state.redis" } as const;

/** One Redis command through redis-cli (installed with the server by scripts/infra.sh); output lines. */
export async function redis(...args: string[]): Promise<string[]> {
  const [host, port] = REDIS_HOST.split(":");
  const { stdout } = await run("redis-cli", ["-h", host!, "-p", port ?? "6379", "--no-raw", ...args]);
  return stdout.split("\n").filter(Boolean);
}

/** `XINFO STREAM` as a flat field list: the value that follows `field`. */
async function streamField(stream: string, field: string): Promise<number> {
  const { stdout } = await run("redis-cli", [
    "-h",
    REDIS_HOST.split(":")[0]!,
    "-p",
    REDIS_HOST.split(":")[1] ?? "6379",
    "--raw",
    "XINFO",
    "STREAM",
    stream,
  ]);
  const lines = stdout.split("\n");
  const i = lines.indexOf(field);
  return i >= 0 ? Number(lines[i + 1]) : 0;
}

/**
 * Checks that show the swapped-in components are the ones doing the work: the sidecars report
 * exactly the component types of the combination, and the data lands in that broker and store.
 * A combination that silently fell back to another component fails here.
 */
export function componentChecks(c: Combination) {
  return (get: () => TestStack, channel: (name: string) => string) => {
    let streamEntriesBefore = 0;
    beforeAll(async () => {
      if (c.pubsub === "redis-streams")
        streamEntriesBefore = await streamField("pipeline.probe", "entries-added").catch(() => 0);
    });

    it(`runs on ${PUBSUB_TYPE[c.pubsub]} and ${STATE_TYPE[c.state]} in every sidecar`, async () => {
      const t = get();
      for (const app of new Set([t.apiApp, t.dispatcherApp])) {
        const port = t.stack.apps.get(app)!.ports.daprHttp;
        const res = await fetch(`http://127.0.0.1:${port}/v1.0/metadata`, {
          headers: { "dapr-api-token": t.stack.tokens.daprApiToken },
        });
        expect(res.status).toBe(200);
        const meta = (await res.json()) as { components: { name: string; type: string }[] };
        const byName = Object.fromEntries(meta.components.map((x) => [x.name, x.type]));
        expect(byName, app).toMatchObject({ pubsub: PUBSUB_TYPE[c.pubsub], statestore: STATE_TYPE[c.state] });
      }
    });

    if (c.state === "redis") {
      it("keeps actor state in Redis, not in PostgreSQL", async () => {
        const keys = await redis("--scan", "--pattern", `dispatcher||ChannelActor||${channel("once")}||*`);
        expect(keys.length).toBeGreaterThan(0);
        const client = new pg.Client({ connectionString: get().databaseUrl });
        await client.connect();
        try {
          const r = await client.query<{ t: string | null }>("select to_regclass('dapr_state')::text as t");
          expect(r.rows[0]?.t ?? null).toBeNull();
        } finally {
          await client.end();
        }
      });
    } else if (c.state === "postgresql") {
      it("keeps actor state in PostgreSQL", async () => {
        const client = new pg.Client({ connectionString: get().databaseUrl });
        await client.connect();
        try {
          const r = await client.query("select key from dapr_state where key like $1", [
            `dispatcher||ChannelActor||${channel("once")}||%`,
          ]);
          expect(r.rowCount).toBeGreaterThan(0);
        } finally {
          await client.end();
        }
      });
    }

    if (c.pubsub === "redis-streams") {
      it("carries events on Redis streams read by the dispatcher's consumer group", async () => {
        expect(await streamField("pipeline.probe", "entries-added")).toBeGreaterThanOrEqual(streamEntriesBefore + 40);
        const groups = await redis("XINFO", "GROUPS", "pipeline.probe");
        expect(groups.join("\n")).toContain("dispatcher");
        // The dead-letter topic is a stream of its own, written when the poison event was dropped.
        expect(await streamField("pipeline.probe.dead", "length")).toBeGreaterThan(0);
      });
    } else if (c.pubsub === "rabbitmq") {
      it("declares durable RabbitMQ queues with a dead-letter exchange", async () => {
        // The stack's own vhost: queues left in another vhost by earlier runs prove nothing.
        const vhost = get().brokerVhost;
        expect(vhost, "the stack runs on RabbitMQ").toBeDefined();
        const queue = await eventually("the dispatcher's pipeline.probe queue", async () =>
          (await managementQueues(vhost!)).find((q) => q.name === "dispatcher-pipeline.probe"),
        );
        expect(queue).toMatchObject({ durable: true, auto_delete: false });
        expect(queue.arguments["x-dead-letter-exchange"]).toBeTruthy();
      });
    }
  };
}
