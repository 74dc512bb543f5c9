import { defineConfig } from "vitest/config";

// Three projects: unit tests run anywhere in milliseconds; integration tests need the real
// runtime (daprd, placement, scheduler, PostgreSQL, RabbitMQ) started by scripts/infra.sh; the
// containers project runs integration suites on servers in containers (needs podman).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{core,services,actors,adapters,db,clients,scripts}/**/*.test.ts"],
          environment: "node",
          // Some unit tests talk to local servers (the simulator, SMTP, an SMSC). They share the
          // two cores with the integration suites, so the default 5 s is a speed test by accident.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Integration suites start real sidecars on fixed port ranges; run files one at a time.
          fileParallelism: false,
          pool: "forks",
        },
      },
      {
        // The container path (scripts/test.sh's last stage, where podman runs): the same suites on
        // PostgreSQL, RabbitMQ and Redis that testcontainers starts from local images.
        test: {
          name: "containers",
          include: ["test/containers/**/*.test.ts"],
          globalSetup: ["test/containers/global-setup.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          pool: "forks",
        },
      },
    ],
  },
});
