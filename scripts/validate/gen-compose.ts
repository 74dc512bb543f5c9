/**
 * docker-compose.yml from the model: infrastructure, the Dapr control plane, and each app with its
 * daprd sidecar in the app's network namespace, loading the very component files the local
 * launcher loads (components/ and dapr/ mounted read-only). The broker and the state store are
 * chosen like the launcher does, by resources path: TURUMBA_PUBSUB and TURUMBA_STATE.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPOSE, DEPLOYED_APPS, type DeployedApp } from "./model.js";
import { stringifyDocs, GENERATED_NOTE, type Doc } from "./yaml-io.js";

const pg = COMPOSE.postgres;
const databaseUrl = `postgres://${pg.user}:${pg.password}@postgres:5432/${pg.db}`;
/** HTTP providers the dispatcher reaches through the simulator (it shares the dispatcher's loopback). */
const SIMULATED_HTTP_PROVIDERS = ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"];

// Development values, overridable from the shell or an .env file; never used outside compose.
const devDefault = {
  daprApiToken: "${DAPR_API_TOKEN:-compose-dev-dapr-api-token}",
  appApiToken: "${APP_API_TOKEN:-compose-dev-app-api-token}",
  opsApiToken: "${OPS_API_TOKEN:-compose-dev-ops-api-token}",
  // 32 zero bytes: a development key ring only. Set CREDENTIALS_KEYS for anything you keep.
  credentialsKeys: "${CREDENTIALS_KEYS:-dev:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}",
};

/**
 * Images and host ports are variables with the usual defaults: where no registry is reachable,
 * scripts/containers.sh builds local images and a run points these at them; a run next to native
 * servers (PostgreSQL on 5432 and so on) moves the published ports out of their way.
 */
const imageVar = (name: string, image: string) => `\${TURUMBA_${name}_IMAGE:-${image}}`;
const hostPort = (name: string, port: number) => `127.0.0.1:\${TURUMBA_${name}_PORT:-${port}}:${port}`;
const appImage = imageVar("APP", "turumba-messaging:dev");
// The base image is a build argument too (NODE_IMAGE), defaulting to the Dockerfile's own.
const appBuild = () => ({ context: ".", args: { NODE_IMAGE: `\${NODE_IMAGE:-${nodeImageDefault()}}` } });
// A crashed process comes back; one stopped on purpose (`compose stop`) stays down.
const restart = "unless-stopped";

const hardened = { read_only: true, tmpfs: ["/tmp"], cap_drop: ["ALL"], security_opt: ["no-new-privileges:true"] };
const healthy = (service: string) => [service, { condition: "service_healthy" }] as const;

// Every service of our image says how to build it, so `up` never tries to pull it from a registry.
function appService(app: DeployedApp): Doc {
  // No spaces: podman's Docker-compatible API (4.3) joins a healthcheck's arguments and splits
  // them again on spaces, which cut a script with spaces into a syntax error.
  const healthProbe = `fetch('http://127.0.0.1:${app.port}/health').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))`;
  return {
    build: appBuild(),
    image: appImage,
    init: true,
    restart,
    ...hardened,
    environment: {
      ROLE: app.role,
      APP_HOST: "0.0.0.0",
      APP_PORT: String(app.port),
      DAPR_HOST: "127.0.0.1",
      DAPR_HTTP_PORT: "3500",
      DATABASE_URL: databaseUrl,
      CREDENTIALS_KEYS: devDefault.credentialsKeys,
      DAPR_API_TOKEN: devDefault.daprApiToken,
      APP_API_TOKEN: devDefault.appApiToken,
      LOG_LEVEL: "${LOG_LEVEL:-info}",
      ...(app.public ? { OPS_API_TOKEN: devDefault.opsApiToken } : {}),
      ...(app.actorHost
        ? {
            PROVIDER_BASE_URLS: JSON.stringify(
              Object.fromEntries(
                SIMULATED_HTTP_PROVIDERS.map((p) => [p, `http://127.0.0.1:${COMPOSE.simulator.httpPort}`]),
              ),
            ),
            // SMTP and SMPP channels reach the simulator on the pod's loopback, which only the
            // operator's allow-list opens for tenant-chosen hosts.
            OUTBOUND_ALLOW: "127.0.0.1",
          }
        : {}),
      ...app.env,
    },
    ...(app.public ? { ports: [hostPort("API", app.port)] } : {}),
    depends_on: Object.fromEntries([healthy("postgres")]),
    healthcheck: {
      test: ["CMD", "node", "-e", healthProbe],
      interval: "10s",
      timeout: "5s",
      retries: 12,
      start_period: "20s",
    },
    // Compose stops the sidecar (a dependent) first, so it drains while the app still answers;
    // then the app gets SIGTERM and finishes its requests in flight (SHUTDOWN_GRACE_MS).
    stop_grace_period: "15s",
  };
}

function sidecarService(app: DeployedApp): Doc {
  return {
    image: imageVar("DAPRD", `daprio/daprd:${daprVersion()}`),
    restart,
    command: [
      "/daprd",
      "--app-id",
      app.appId,
      "--app-port",
      String(app.port),
      "--app-protocol",
      "http",
      "--dapr-http-port",
      "3500",
      "--dapr-grpc-port",
      "50001",
      "--placement-host-address",
      `placement:${COMPOSE.placementPort}`,
      "--scheduler-host-address",
      `scheduler:${COMPOSE.schedulerPort}`,
      "--config",
      "/dapr/config.yaml",
      "--resources-path",
      "/components/common",
      "--resources-path",
      "/components/pubsub/${TURUMBA_PUBSUB:-rabbitmq}",
      "--resources-path",
      "/components/state/${TURUMBA_STATE:-postgresql}",
      "--resources-path",
      "/components/media/${TURUMBA_MEDIA:-local}",
      "--resources-path",
      "/dapr/resiliency",
      "--enable-app-health-check",
      "--app-health-check-path",
      "/health",
      "--app-health-probe-interval",
      "5",
      "--dapr-graceful-shutdown-seconds",
      String(app.sidecarGraceSeconds),
      "--log-level",
      "${DAPR_LOG_LEVEL:-info}",
    ],
    // The app's network namespace: the sidecar reaches the app on 127.0.0.1 and nothing else can reach the sidecar.
    network_mode: `service:${app.appId}`,
    volumes: ["./components:/components:ro", "./dapr:/dapr:ro"],
    environment: {
      DAPR_API_TOKEN: devDefault.daprApiToken,
      APP_API_TOKEN: devDefault.appApiToken,
      // What the envsecrets store serves (components/common/envsecrets.yaml strips the prefix).
      TURUMBA_SECRET_AMQP_URL: "amqp://guest:guest@rabbitmq:5672",
      TURUMBA_SECRET_DAPR_STATE_PG_URL: databaseUrl,
      TURUMBA_SECRET_REDIS_HOST: "redis:6379",
      TURUMBA_SECRET_DAPR_STATE_SQLITE_PATH: "/tmp/dapr-state.db",
      // Media on the sidecar's own disk by default (no S3 server in this file); TURUMBA_MEDIA=s3
      // with the MEDIA_S3_* settings points every sidecar at one bucket instead.
      TURUMBA_SECRET_MEDIA_LOCAL_PATH: "/tmp/media",
      TURUMBA_SECRET_MEDIA_S3_ENDPOINT: "${MEDIA_S3_ENDPOINT:-}",
      TURUMBA_SECRET_MEDIA_S3_BUCKET: "${MEDIA_S3_BUCKET:-turumba-media}",
      TURUMBA_SECRET_MEDIA_S3_REGION: "${MEDIA_S3_REGION:-us-east-1}",
      TURUMBA_SECRET_MEDIA_S3_ACCESS_KEY: "${MEDIA_S3_ACCESS_KEY:-}",
      TURUMBA_SECRET_MEDIA_S3_SECRET_KEY: "${MEDIA_S3_SECRET_KEY:-}",
    },
    ...hardened,
    stop_grace_period: `${app.sidecarGraceSeconds + 5}s`,
    depends_on: {
      // The sidecar lives in the app's network namespace, which a restart of the app replaces:
      // `restart: true` makes compose restart the sidecar with it, into the new namespace.
      [app.appId]: { condition: "service_started", restart: true },
      placement: { condition: "service_started" },
      scheduler: { condition: "service_started" },
      ...Object.fromEntries([healthy("postgres"), healthy("rabbitmq"), healthy("redis")]),
    },
  };
}

/** The Dockerfile's default base (NODE_IMAGE), so compose passes the same one unless told otherwise. */
function nodeImageDefault(): string {
  const m = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(versionRoot, "Dockerfile"), "utf8"));
  if (!m) throw new Error("Dockerfile has no ARG NODE_IMAGE=<default>");
  return m[1]!;
}

let cachedVersion: string | undefined;
let versionRoot = ".";
function daprVersion(): string {
  cachedVersion ??= readFileSync(join(versionRoot, "dapr/VERSION"), "utf8").trim();
  return cachedVersion;
}

export function composeFile(root: string): string {
  versionRoot = root;
  cachedVersion = undefined;
  const actorHost = DEPLOYED_APPS.find((a) => a.actorHost);
  const services: Doc = {
    postgres: {
      image: imageVar("POSTGRES", pg.image),
      restart,
      environment: { POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password, POSTGRES_DB: pg.db },
      ports: [hostPort("POSTGRES", 5432)],
      volumes: ["postgres-data:/var/lib/postgresql/data"],
      healthcheck: {
        test: ["CMD-SHELL", `pg_isready -U ${pg.user} -d ${pg.db}`],
        interval: "5s",
        timeout: "3s",
        retries: 20,
      },
    },
    rabbitmq: {
      image: imageVar("RABBITMQ", COMPOSE.rabbitmq.image),
      restart,
      ports: [hostPort("AMQP", 5672), hostPort("RABBITMQ_MANAGEMENT", 15672)],
      volumes: ["rabbitmq-data:/var/lib/rabbitmq"],
      // Deliveries a consumer holds unacknowledged this long go back to the queue (see
      // docs/operations.md, "Broker settings").
      environment: {
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-rabbit consumer_timeout ${COMPOSE.rabbitmq.consumerTimeoutMs}`,
      },
      healthcheck: {
        test: ["CMD", "rabbitmq-diagnostics", "-q", "ping"],
        interval: "10s",
        timeout: "10s",
        retries: 12,
      },
    },
    redis: {
      image: imageVar("REDIS", COMPOSE.redis.image),
      restart,
      // Append-only file: acknowledged writes survive a restart (Redis as broker or actor store).
      command: ["redis-server", "--appendonly", "yes"],
      ports: [hostPort("REDIS", 6379)],
      volumes: ["redis-data:/data"],
      healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "5s", timeout: "3s", retries: 20 },
    },
    placement: {
      image: imageVar("PLACEMENT", `daprio/placement:${daprVersion()}`),
      restart,
      command: ["/placement", "--port", String(COMPOSE.placementPort), "--log-level", "warn"],
    },
    scheduler: {
      image: imageVar("SCHEDULER", `daprio/scheduler:${daprVersion()}`),
      restart,
      command: [
        "/scheduler",
        "--port",
        String(COMPOSE.schedulerPort),
        "--override-broadcast-host-port",
        `scheduler:${COMPOSE.schedulerPort}`,
        // The image runs as uid 65532, whose home exists in the image: a named volume mounted there
        // starts out owned by it, so reminders and jobs survive a restart.
        "--etcd-data-dir",
        "/home/nonroot/etcd",
        "--log-level",
        "warn",
      ],
      volumes: ["scheduler-data:/home/nonroot"],
    },
  };
  for (const app of DEPLOYED_APPS) {
    services[app.appId] = appService(app);
    services[`${app.appId}-dapr`] = sidecarService(app);
  }
  if (actorHost) {
    services.simulator = {
      build: appBuild(),
      image: appImage,
      command: ["node", "services/simulator/main.js"],
      init: true,
      restart,
      ...hardened,
      // The simulator listens on 127.0.0.1 only: it lives in the dispatcher's network namespace.
      network_mode: `service:${actorHost.appId}`,
      environment: {
        SIM_HTTP_PORT: String(COMPOSE.simulator.httpPort),
        SIM_SMTP_PORT: String(COMPOSE.simulator.smtpPort),
        SIM_SMPP_PORT: String(COMPOSE.simulator.smppPort),
      },
      // The dispatcher's network namespace, like its sidecar: restarted with it.
      depends_on: { [actorHost.appId]: { condition: "service_started", restart: true } },
    };
  }
  const value = {
    name: "turumba",
    services,
    volumes: { "postgres-data": {}, "rabbitmq-data": {}, "redis-data": {}, "scheduler-data": {} },
  };
  return stringifyDocs(
    `${GENERATED_NOTE}\n\nThe whole platform with Docker: \`docker compose up --build\`. API on http://127.0.0.1:3000, RabbitMQ\nmanagement on http://127.0.0.1:15672 (guest/guest). Swap components like the launcher does, by resources\npath: TURUMBA_PUBSUB=redis-streams TURUMBA_STATE=redis docker compose up. Tokens and the credentials key\nring have development defaults: set DAPR_API_TOKEN, APP_API_TOKEN, OPS_API_TOKEN and CREDENTIALS_KEYS\nfor anything you keep. The dispatcher talks to the provider simulator; see docs/operations.md.`,
    [{ value }],
  );
}
