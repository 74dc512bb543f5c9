import pg from "pg";
import { expect, it } from "vitest";
import { managementQueues } from "../support/broker.js";
import { runtimeSlice } from "./slice.js";

// RabbitMQ pub/sub and PostgreSQL actor state, API and dispatcher as separate apps.
runtimeSlice({
  set: "production",
  basePort: 24000,
  extra: (get, channel) => {
    it("declares durable, non-auto-deleted RabbitMQ queues with a dead-letter exchange", async () => {
      // The stack's own vhost: queues left in another vhost by earlier runs prove nothing.
      const vhost = get().brokerVhost;
      expect(vhost, "the stack runs on RabbitMQ").toBeDefined();
      const queues = await managementQueues(vhost!);
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
        const r = await client.query<{ key: string }>("select key from dapr_state where key like $1", [
          `%ChannelActor||${channel("once")}||probe-ledger`,
        ]);
        expect(r.rowCount).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
    });
  },
});
