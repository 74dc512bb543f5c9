/**
 * docker-compose.yml brought up for real: the official Compose (scripts/compose-cli.sh) against
 * podman's Docker-compatible API, every image local (scripts/containers.sh) through the file's
 * TURUMBA_*_IMAGE variables, published ports moved clear of the native servers and the suites.
 * Messages sent through the API reach the simulator and end `sent`; after `compose restart
 * dispatcher` the sidecar, which lives in the dispatcher's network namespace, is restarted with it
 * (`depends_on … restart: true`) and the pipeline sends again.
 *
 * After the restart the messages take about 20 s to go out, and that is expected: the old sidecar's
 * broker connection vanished with the old network namespace, without a close, so RabbitMQ keeps its
 * consumer (and the nudges it hands that consumer) until the missed heartbeats (about 23 s with
 * `heartBeat: 10s`); the sweeper re-nudges queued rows older than SWEEP_STALE_QUEUED_MS (15 s)
 * first. Measured on 2026-11-27: sent 19.7 s after the restart, rabbitmq logging "missed heartbeats
 * from client" for the old connection. The statuses are read with one list call every 2 s: polling
 * each message every 250 ms spent the account's API rate limit (100 requests per sliding 60 s,
 * refused requests counting too) within 5 s, and every later read was a 429, which is why this
 * step used to time out while the rows were `sent` in the database.
 *
 * podman without systemd does not schedule healthchecks on its own (it uses systemd timers), so
 * while compose waits the test runs them (`podman healthcheck run`); Docker needs no such help.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGES, containerSkipReason, podman, prepareContainers, startDockerApi, type DockerApi } from "./podman.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..", "..");
const PROJECT = "turumba-it-compose";
const API_PORT = 30700;
const OPS_TOKEN = "compose-dev-ops-api-token";
/** Room for both steps' messages (5 + 5) on the first page, newest first. */
const LIST_LIMIT = 50;
const skip = containerSkipReason();

describe.skipIf(skip !== undefined)(`docker-compose.yml under podman${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let api: DockerApi | undefined;
  let composeBin: string;
  let env: NodeJS.ProcessEnv;
  let key: string;
  const accountId = randomUUID();
  const compose = async (...args: string[]) =>
    (
      await run(composeBin, ["-p", PROJECT, "-f", join(root, "docker-compose.yml"), ...args], {
        cwd: root,
        env,
        maxBuffer: 64 * 1024 * 1024,
      })
    ).stdout;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${API_PORT}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sendAndSee = async (channelId: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await call("POST", "/v1/messages", {
        account_id: accountId,
        channel_id: channelId,
        delivery_address: `${7000 + i}`,
        message_body: `compose ${i}`,
      });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    // One list call per 2 s stays far below the rate limit (see the module comment), and the last
    // answer is in the error when the messages do not get there.
    const deadline = Date.now() + 90_000;
    let seen = "no answer yet";
    for (;;) {
      const page = await call("GET", `/v1/messages?limit=${LIST_LIMIT}`);
      const statuses = new Map(
        ((page.body.items ?? []) as { id: string; status: string }[]).map((m) => [m.id, m.status]),
      );
      const mine = ids.map((id) => statuses.get(id) ?? "absent");
      seen = `HTTP ${page.status}, statuses ${mine.join(",")}`;
      if (page.status === 200 && mine.every((s) => s === "sent")) return;
      if (Date.now() > deadline) throw new Error(`${n} messages not all sent within 90 s: ${seen}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  };
  /**
   * Runs the healthchecks of the project's containers, each at its own interval as the file sets
   * it (their retries count runs, so running them faster would fail a slow start), until `done`
   * settles; see the module comment.
   */
  const healthchecksWhile = async <T>(done: Promise<T>): Promise<T> => {
    let settled = false;
    const nextRun = new Map<string, number>();
    const loop = (async () => {
      while (!settled) {
        const ids = (
          await podman("ps", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`).catch(() => "")
        )
          .split("\n")
          .filter(Boolean);
        await Promise.all(
          ids.map(async (id) => {
            if ((nextRun.get(id) ?? 0) > Date.now()) return;
            const intervalNs = Number(
              await podman("inspect", "--format", "{{json .Config.Healthcheck.Interval}}", id).catch(() => "0"),
            );
            nextRun.set(id, Date.now() + (intervalNs > 0 ? intervalNs / 1e6 : 10_000));
            await podman("healthcheck", "run", id).catch(() => undefined);
          }),
        );
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    try {
      return await done;
    } finally {
      settled = true;
      await loop;
    }
  };
  const startedAt = async (service: string) =>
    podman("inspect", "--format", "{{.State.StartedAt}}", `${PROJECT}-${service}-1`);

  beforeAll(async () => {
    await prepareContainers({ app: true });
    composeBin = join(
      (await run("bash", [join(root, "scripts", "compose-cli.sh")])).stdout.trim().split("\n").at(-1)!,
      "docker-compose",
    );
    api = await startDockerApi();
    env = {
      ...process.env,
      DOCKER_HOST: api.host,
      TURUMBA_APP_IMAGE: IMAGES.app,
      TURUMBA_POSTGRES_IMAGE: IMAGES.postgres,
      TURUMBA_RABBITMQ_IMAGE: IMAGES.rabbitmq,
      TURUMBA_REDIS_IMAGE: IMAGES.redis,
      TURUMBA_DAPRD_IMAGE: IMAGES.dapr,
      TURUMBA_PLACEMENT_IMAGE: IMAGES.dapr,
      TURUMBA_SCHEDULER_IMAGE: IMAGES.dapr,
      TURUMBA_API_PORT: String(API_PORT),
      TURUMBA_POSTGRES_PORT: "30701",
      TURUMBA_AMQP_PORT: "30702",
      TURUMBA_RABBITMQ_MANAGEMENT_PORT: "30703",
      TURUMBA_REDIS_PORT: "30704",
    };
    await compose("down", "--volumes", "--remove-orphans").catch(() => undefined);
    try {
      await healthchecksWhile(
        compose("up", "--detach", "--no-build", "--pull", "never", "--wait", "--wait-timeout", "300"),
      );
    } catch (err) {
      const health = await podman(
        "ps",
        "-a",
        "--filter",
        `label=com.docker.compose.project=${PROJECT}`,
        "--format",
        "{{.Names}} {{.Status}}",
      ).catch((e: unknown) => String(e));
      const logs = await compose("logs", "--no-color", "--tail", "15").catch((e: unknown) => String(e));
      throw new Error(`${String(err)}\n--- containers ---\n${health}\n--- compose logs ---\n${logs}`);
    }
    const r = await call("POST", "/internal/api-keys", { accountId }, { authorization: `Bearer ${OPS_TOKEN}` });
    expect(r.status).toBe(201);
    key = r.body.key as string;
  }, 1_500_000);

  afterAll(async () => {
    if (composeBin && env)
      await compose("down", "--volumes", "--remove-orphans", "--timeout", "5").catch(() => undefined);
    await api?.stop();
  });

  let channelId: string;

  it("sends messages created through the API to the simulator", async () => {
    // verify=false: the API container has no route to the real provider; the dispatcher's is the simulator.
    const created = await call("POST", "/v1/channels?verify=false", {
      account_id: accountId,
      name: "tg",
      channel_type: "telegram",
      credentials: { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
      rate_limit: 6_000,
    });
    expect(created.status).toBe(201);
    channelId = created.body.id as string;
    await sendAndSee(channelId, 5);
  });

  it("restarts the dispatcher's sidecar with it, and sends again", async () => {
    const sidecarBefore = await startedAt("dispatcher-dapr");
    await healthchecksWhile(compose("restart", "dispatcher"));
    // The sidecar was restarted too (a new network namespace needs a new sidecar).
    expect(await startedAt("dispatcher-dapr")).not.toBe(sidecarBefore);
    try {
      await sendAndSee(channelId, 5);
    } catch (err) {
      const ps = await podman(
        "ps",
        "-a",
        "--filter",
        `label=com.docker.compose.project=${PROJECT}`,
        "--format",
        "{{.Names}} {{.Status}}",
      );
      const logs = await compose(
        "logs",
        "--no-color",
        "--tail",
        "20",
        "dispatcher",
        "dispatcher-dapr",
        "simulator",
      ).catch((e: unknown) => String(e));
      throw new Error(`${String(err)}\n--- containers ---\n${ps}\n--- logs ---\n${logs}`);
    }
  });
});
