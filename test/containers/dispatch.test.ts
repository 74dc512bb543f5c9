/**
 * The dispatch suite unchanged, on PostgreSQL, RabbitMQ and Redis in containers (global-setup.ts)
 * instead of the native servers: the suite's modules read their server addresses from the
 * environment when first imported, so the addresses are set before the import.
 */
import { describe, inject, it } from "vitest";

const infra = inject("containerInfra");

if ("skip" in infra) {
  describe(`dispatch suite on testcontainers (skipped: ${infra.skip})`, () => {
    it.skip("needs podman", () => undefined);
  });
} else {
  process.env.TEST_DATABASE_ADMIN_URL = infra.postgresAdminUrl;
  process.env.DATABASE_URL = infra.postgresAdminUrl;
  process.env.AMQP_URL = infra.amqpUrl;
  process.env.RABBITMQ_MANAGEMENT_URL = infra.managementUrl;
  process.env.REDIS_HOST = infra.redisHost;
  const { dispatchSuite } = await import("../integration/dispatch/suite.js");
  // The production set with two dispatcher replicas, as test/integration/dispatch/dispatch.test.ts
  // runs it natively; a base port range of its own.
  dispatchSuite({ basePort: 30600, extraDispatchers: 1 });
}
