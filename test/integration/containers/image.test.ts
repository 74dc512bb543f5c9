/**
 * The app image as it ships: Dockerfile built with podman on the local Node base, booted as the
 * unprivileged user with a read-only root filesystem and no capabilities, next to a daprd sidecar
 * from the local Dapr image (host network, ports of their own). /health, /ready and an API call
 * that writes and reads PostgreSQL (the native server scripts/infra.sh runs) must answer.
 */
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.js";
import { TEST_KEYS } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import {
  IMAGES,
  containerLogs,
  containerSkipReason,
  podman,
  prepareContainers,
  removeContainers,
  startContainer,
} from "./podman.js";

// Clear of the native servers (5432, 5672, 6379) and of every suite's base port range.
const APP_PORT = 30500;
const DAPR_HTTP_PORT = 30501;
const DAPR_GRPC_PORT = 30502;
const DAPR_METRICS_PORT = 30503;
const APP = "turumba-it-image-app";
const SIDECAR = "turumba-it-image-dapr";
const tokens = { ops: "image-test-ops-token", app: "image-test-app-token", dapr: "image-test-dapr-token" };
const skip = containerSkipReason();

describe.skipIf(skip !== undefined)(`app image under podman${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let dropDatabase: (() => Promise<void>) | undefined;
  const url = (path: string) => `http://127.0.0.1:${APP_PORT}${path}`;

  beforeAll(async () => {
    // A cold cache builds the base images and the app image (npm ci inside the build): minutes.
    await prepareContainers({ app: true });
    const db = await createTestDatabase("image");
    dropDatabase = db.drop;
    // No components: /ready asks only whether the sidecar answers. daprd runs as uid 65532.
    const emptyResources = mkdtempSync(join(tmpdir(), "turumba-image-resources-"));
    chmodSync(emptyResources, 0o755);
    await startContainer(SIDECAR, [
      "--network=host",
      "--read-only",
      "--cap-drop=ALL",
      "--security-opt=no-new-privileges",
      "-v",
      `${emptyResources}:/resources:ro`,
      "-e",
      `DAPR_API_TOKEN=${tokens.dapr}`,
      "-e",
      `APP_API_TOKEN=${tokens.app}`,
      IMAGES.dapr,
      "/daprd",
      "--app-id=messaging-api",
      `--app-port=${APP_PORT}`,
      `--dapr-http-port=${DAPR_HTTP_PORT}`,
      `--dapr-grpc-port=${DAPR_GRPC_PORT}`,
      `--metrics-port=${DAPR_METRICS_PORT}`,
      "--placement-host-address=",
      "--scheduler-host-address=",
      "--resources-path=/resources",
      "--log-level=warn",
    ]);
    await startContainer(APP, [
      "--network=host",
      "--read-only",
      "--tmpfs=/tmp",
      "--cap-drop=ALL",
      "--security-opt=no-new-privileges",
      "--init",
      "-e",
      "ROLE=api",
      "-e",
      "APP_HOST=127.0.0.1",
      "-e",
      `APP_PORT=${APP_PORT}`,
      "-e",
      `DAPR_HTTP_PORT=${DAPR_HTTP_PORT}`,
      "-e",
      `DATABASE_URL=${db.url}`,
      "-e",
      `CREDENTIALS_KEYS=${TEST_KEYS}`,
      "-e",
      `OPS_API_TOKEN=${tokens.ops}`,
      "-e",
      `APP_API_TOKEN=${tokens.app}`,
      "-e",
      `DAPR_API_TOKEN=${tokens.dapr}`,
      IMAGES.app,
    ]);
    try {
      await eventually("the app's /ready", async () => ((await fetch(url("/ready"))).ok ? true : undefined), 60_000);
    } catch (err) {
      throw new Error(
        `${String(err)}\n--- app ---\n${await containerLogs(APP)}\n--- daprd ---\n${await containerLogs(SIDECAR)}`,
      );
    }
  }, 1_200_000);

  afterAll(async () => {
    await removeContainers(APP, SIDECAR);
    await dropDatabase?.();
  });

  it("runs as uid 1000 on a read-only root filesystem", async () => {
    expect(await podman("exec", APP, "id", "-u")).toBe("1000");
    await expect(podman("exec", APP, "touch", "/app/written")).rejects.toThrow(/Read-only file system/);
    const config = JSON.parse(await podman("inspect", "--format", "{{json .HostConfig}}", APP)) as {
      ReadonlyRootfs: boolean;
    };
    expect(config.ReadonlyRootfs).toBe(true);
  });

  it("answers /health and /ready (database and sidecar reachable)", async () => {
    const health = await fetch(url("/health"));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", role: "api" });
    const ready = await fetch(url("/ready"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", sidecar: true, database: true });
  });

  it("serves the API against PostgreSQL: an API key written, channels read with it", async () => {
    const accountId = randomUUID();
    const created = await fetch(url("/internal/api-keys"), {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.ops}`, "content-type": "application/json" },
      body: JSON.stringify({ accountId }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const channels = await fetch(url("/v1/channels"), { headers: { "x-api-key": key } });
    expect(channels.status).toBe(200);
    expect(await channels.json()).toMatchObject({ total: 0 });
  });
});
