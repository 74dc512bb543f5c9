/**
 * The container path's infrastructure: PostgreSQL, RabbitMQ (with its management API) and Redis
 * started through testcontainers on podman's Docker-compatible socket, from the local images
 * scripts/containers.sh builds (no registry, so never pulled; Ryuk's image cannot be pulled
 * either, so it is disabled and this teardown stops what it started). Host ports are random, so
 * nothing collides with the native servers the integration project uses, and bound on loopback
 * only (LoopbackContainer). Test files read the addresses with inject("containerInfra"); without
 * podman they read the reason they skip.
 */
import type { TestProject } from "vitest/node";
import {
  IMAGES,
  TEST_LABEL,
  containerSkipReason,
  prepareContainers,
  startDockerApi,
} from "../integration/containers/podman.js";

export type ContainerInfra =
  | { skip: string }
  | {
      postgresAdminUrl: string;
      amqpUrl: string;
      managementUrl: string;
      redisHost: string;
      /** The started containers' ids, for checks made from outside (their port bindings). */
      containerIds: string[];
    };

declare module "vitest" {
  export interface ProvidedContext {
    containerInfra: ContainerInfra;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const skip = containerSkipReason();
  if (skip) {
    project.provide("containerInfra", { skip });
    return undefined;
  }
  await prepareContainers();
  const api = await startDockerApi();
  process.env.DOCKER_HOST = api.host;
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  const { Wait } = await import("testcontainers");
  const { LoopbackContainer, LOOPBACK } = await import("./loopback-container.js");
  // The library's own idea of the host (its host-port wait strategy connects there) must be the
  // address the ports are bound on: with "localhost" that check never saw a loopback-bound port
  // (60 s timeout, tried by hand on 2026-11-27). Read when the first container starts.
  process.env.TESTCONTAINERS_HOST_OVERRIDE = LOOPBACK;
  const local = (image: string) =>
    new LoopbackContainer(image)
      .withLabels({ [TEST_LABEL]: "1" })
      // Local images only: a pull would go to a registry this machine cannot reach.
      .withPullPolicy({ shouldPull: () => false })
      .withStartupTimeout(120_000);
  const started = await Promise.allSettled([
    local(IMAGES.postgres)
      // As many connections as scripts/infra.sh gives the native server: sidecars, apps and tests.
      .withEnvironment({
        POSTGRES_USER: "turumba",
        POSTGRES_PASSWORD: "turumba",
        POSTGRES_DB: "turumba",
        POSTGRES_MAX_CONNECTIONS: "400",
      })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start(),
    local(IMAGES.rabbitmq)
      .withExposedPorts(5672, 15672)
      .withWaitStrategy(Wait.forLogMessage(/Server startup complete/))
      .start(),
    local(IMAGES.redis)
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .start(),
  ]);
  const containers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stopAll = async () => {
    await Promise.all(containers.map((c) => c.stop({ timeout: 5_000 }).catch(() => undefined)));
    await api.stop();
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [postgres, rabbitmq, redis] = containers as [
    (typeof containers)[number],
    (typeof containers)[number],
    (typeof containers)[number],
  ];
  const host = LOOPBACK;
  project.provide("containerInfra", {
    postgresAdminUrl: `postgres://turumba:turumba@${host}:${postgres.getMappedPort(5432)}/turumba`,
    amqpUrl: `amqp://guest:guest@${host}:${rabbitmq.getMappedPort(5672)}`,
    managementUrl: `http://${host}:${rabbitmq.getMappedPort(15672)}`,
    redisHost: `${host}:${redis.getMappedPort(6379)}`,
    containerIds: containers.map((c) => c.getId()),
  });
  return stopAll;
}
