import pg from "pg";
import { expect, it } from "vitest";
import { runtimeSlice } from "./slice.js";

const RABBIT_API = process.env.RABBITMQ_MGMT_URL ?? "http://127.0.0.1:15672";
const RABBIT_AUTH = `Basic ${Buffer.from(process.env.RABBITMQ_MGMT_CREDENTIALS ?? "guest:guest").toString("base64")}`;

interface RabbitQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
}

// RabbitMQ pub/sub and PostgreSQL actor state, API and dispatcher as separate apps.
runtimeSlice({
  set: "production",
  basePort: 24000,
  extra: (get, channel) => {
    it("declares durable, non-auto-deleted RabbitMQ queues with a dead-letter exchange", async () => {
      const res = await fetch(`${RABBIT_API}/api/queues/%2F`, { headers: { authorization: RABBIT_AUTH } });
      expect(res.status).toBe(200);
      const queues = (await res.json()) as RabbitQueue[];
      const main = queues.find((q) => q.name === "dispatcher-pipeline.probe");
      expect(main, "queue dispatcher-pipeline.probe").toBeDefined();
      expect(main).toMatchObject({ durable: true, auto_delete: false });
      expect(main!.arguments["x-dead-letter-exchange"]).toBeTruthy();
      const dlq = queues.find((q) => q.name === "dlq-dispatcher-pipeline.probe");
      expect(dlq, "dead-letter queue").toMatchObject({ durable: true, auto_delete: false });
    });

    it("keeps actor state in PostgreSQL", async () => {
      const client = new pg.Client({ connectionString: get().databaseUrl });
      await client.connect();
      try {
        const r = await client.query<{ key: string }>("select key from dapr_state where key like $1", [`%ChannelActor||${channel("once")}||probe-ledger`]);
        expect(r.rowCount).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    });
  },
});
