/**
 * The one description of what we deploy. `generate.ts` turns it, together with the component
 * files under components/ and dapr/, into the Kubernetes base (k8s/base/generated/), the KEDA
 * scalers and docker-compose.yml; `validate.ts` checks the rendered result against it. A new app
 * id is one entry in DEPLOYED_APPS; a new subscription or component in components/ is picked up
 * by the next `npx tsx scripts/validate/generate.ts` with no other edit.
 */

import { readFileSync } from "node:fs";

export type Role = "api" | "dispatcher";

export interface Resources {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

export interface DeployedApp {
  /** Dapr app id; also the Deployment, Service and ServiceAccount name. */
  appId: string;
  role: Role;
  /** Port the app listens on (the sidecar's app-port). */
  port: number;
  /** Hosts Dapr actors: scales on CPU and must drain its actors before it stops. */
  actorHost: boolean;
  /** Serves clients from outside the pod (the REST API): published by compose, exposed by its Service. */
  public: boolean;
  /**
   * Horizontal scaling bounds on CPU (HPA, or the CPU trigger of the KEDA scaler). The autoscaler
   * owns the replica count: no Deployment or overlay sets `replicas`, or every apply would reset it.
   */
  scale: { min: number; max: number; cpuPercent: number };
  app: Resources;
  sidecar: Resources;
  /**
   * Seconds the sidecar gets to stop after SIGTERM (dapr.io/graceful-shutdown-seconds): it
   * stops taking deliveries, hands its actors back to placement and waits for calls in flight.
   */
  sidecarGraceSeconds: number;
  /** Seconds the app keeps serving after the pod is told to stop, so the sidecar can drain through it. */
  preStopSeconds: number;
  terminationGraceSeconds: number;
  /**
   * Seconds the sidecar keeps serving after SIGTERM before its own graceful shutdown starts
   * (dapr.io/block-shutdown-duration): requests still in flight on the app can publish their events.
   */
  blockShutdownSeconds?: number;
  /** Environment only this app needs (shared settings live in the turumba-config ConfigMap). */
  env?: Record<string, string>;
  /** Keys of the turumba-app Secret this app reads, as environment variables of the same name. */
  secretEnv: { key: string; optional?: boolean }[];
}

export const DEPLOYED_APPS: DeployedApp[] = [
  {
    appId: "messaging-api",
    role: "api",
    port: 3000,
    actorHost: false,
    public: true,
    scale: { min: 2, max: 10, cpuPercent: 70 },
    app: { cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "512Mi" },
    sidecar: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "96Mi", memoryLimit: "256Mi" },
    sidecarGraceSeconds: 10,
    preStopSeconds: 5,
    terminationGraceSeconds: 30,
    // preStop 5 s + SHUTDOWN_GRACE_MS 10 s: the sidecar outlives the last request the app finishes,
    // then drains in its 10 s graceful shutdown (25 s in all, within the 30 s grace period).
    blockShutdownSeconds: 15,
    secretEnv: [{ key: "DATABASE_URL" }, { key: "CREDENTIALS_KEYS" }, { key: "OPS_API_TOKEN", optional: true }],
  },
  {
    appId: "dispatcher",
    role: "dispatcher",
    port: 3001,
    actorHost: true,
    public: false,
    scale: { min: 2, max: 20, cpuPercent: 70 },
    app: { cpuRequest: "500m", cpuLimit: "2", memoryRequest: "512Mi", memoryLimit: "1Gi" },
    sidecar: { cpuRequest: "250m", cpuLimit: "1", memoryRequest: "128Mi", memoryLimit: "512Mi" },
    sidecarGraceSeconds: 30,
    preStopSeconds: 30,
    terminationGraceSeconds: 60,
    // V8 grows its heap lazily up to a default that ignores the container's limit; half the limit
    // leaves room for buffers and native memory and makes the collector work before the kernel
    // OOM-kills the pod. bench/campaign.ts: a capped heap also kept single sends fast during a fan-out.
    // Node 24's V8 sizes the young generation far larger by default: the idle dispatcher held 286 MB
    // instead of 126 MB on Node 20; 16 MB semi-spaces bring it to 149 MB at the same send rate.
    env: { NODE_OPTIONS: "--max-old-space-size=512 --max-semi-space-size=16" },
    secretEnv: [{ key: "DATABASE_URL" }, { key: "CREDENTIALS_KEYS" }],
  },
];

/** App ids that exist only on one machine: the embedded all-in-one app of the local launcher. */
export const LOCAL_ONLY_APP_IDS = ["turumba"];

/** The release every manifest is labelled with (app.kubernetes.io/version): package.json's version. */
export const APP_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** The container image of every app (kustomize `images:` in an overlay points it at a registry). */
export const IMAGE = "turumba-messaging";

/**
 * What the NetworkPolicies let through, besides our own pods. Namespaces are matched by the
 * label Kubernetes sets on every namespace (kubernetes.io/metadata.name); an overlay patches a
 * name that differs in its cluster.
 */
export const NETWORK = {
  /** The ingress controller's namespace: the only source of traffic to the public API port. */
  ingressNamespace: "ingress-nginx",
  /** Where Prometheus runs: may scrape the app's and the sidecar's metrics ports. */
  monitoringNamespace: "monitoring",
  /** The Dapr control plane. Sidecars dial it; it never dials them. */
  daprNamespace: "dapr-system",
  /** Pod ports of the control plane: placement, scheduler, sentry (its Service's 443), operator (443). */
  daprControlPlanePorts: [50005, 50006, 50001, 6500],
  /** Sidecar to sidecar (actor calls, service invocation) on daprd's internal gRPC port. */
  daprInternalPort: 50002,
  /** The OpenTelemetry collector's namespace (K8S.otlpEndpoint). */
  collectorNamespace: "observability",
  /**
   * PostgreSQL, RabbitMQ (AMQP) and Redis: by port to any address, since they may run outside the
   * cluster (a managed database, a broker VM). An overlay narrows them to their namespace or address.
   */
  dataPorts: [5432, 5672, 6379],
  /** The Kubernetes API server, read by the sidecar's secret store: 443 via the Service, 6443 on the node. */
  apiServerPorts: [443, 6443],
  /** Providers: HTTPS, SMTP (25, submission 587, SMTPS 465) and SMPP. */
  providerPorts: [443, 25, 587, 465, 2775],
  /**
   * Addresses providers are never at: the private ranges, which hold the cluster's pod and service
   * CIDRs on the usual installations (an assumption: a cluster on public addresses patches its
   * CIDRs in). An SMSC on a private network needs its own rule.
   */
  clusterCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
};

/** Kubernetes names every manifest agrees on. The Secrets are referenced, never committed. */
export const K8S = {
  configMap: "turumba-config",
  /** Dapr Configuration name, shared with the local dapr/config.yaml. */
  daprConfig: "turumba",
  /** Dapr secret store component of type secretstores.kubernetes (the built-in one is disabled). */
  secretStore: "kubernetes-secrets",
  secrets: {
    /** Connection strings the Dapr components read through the secret store. */
    components: "turumba-dapr-components",
    /** Environment of the app containers (DATABASE_URL, CREDENTIALS_KEYS, OPS_API_TOKEN). */
    app: "turumba-app",
    /** `token` key: what the app presents to its sidecar (dapr.io/api-token-secret). */
    daprApiToken: "turumba-dapr-api-token",
    /** `token` key: what the sidecar presents to the app (dapr.io/app-token-secret). */
    appApiToken: "turumba-app-api-token",
    /** `host` key: RabbitMQ management URL with credentials, for the KEDA queue-length scaler. */
    kedaRabbitmq: "turumba-keda-rabbitmq",
    /** `connection` key: a PostgreSQL URL of a read-only role, for KEDA's dispatch-backlog query. */
    kedaPostgres: "turumba-keda-postgresql",
  },
  /** OTLP/gRPC endpoint of the cluster's OpenTelemetry collector (overlays may patch it). */
  otlpEndpoint: "otel-collector.observability.svc.cluster.local:4317",
  sidecarMetricsPort: 9090,
  /** The app's own /metrics listener (METRICS_PORT): never the public API port. */
  appMetricsPort: 9464,
  network: NETWORK,
};

/** Component files the production deployment is made of (secret stores are replaced by K8S.secretStore). */
export const PRODUCTION_COMPONENT_DIRS = [
  "components/common",
  "components/pubsub/rabbitmq",
  "components/state/postgresql",
  "components/media/s3",
];
export const RESILIENCY_DIR = "dapr/resiliency";
export const LOCAL_DAPR_CONFIG = "dapr/config.yaml";

/** Topics whose queue depth scales their consumer: one RabbitMQ queue per channel type. */
export const DISPATCH_TOPIC = /^message\.dispatch\.([a-z0-9-]+)$/;

/**
 * Queue length per replica at which KEDA adds a consumer, per channel type. Dispatch events are
 * nudges (the channel actor pulls the messages itself), so a few hundred waiting nudges already
 * mean the consumers lag. SMPP and email turns are slower per message: they scale out sooner.
 */
export const DISPATCH_QUEUE_TARGET: Record<string, number> = { smpp: 100, email: 100 };
export const DEFAULT_DISPATCH_QUEUE_TARGET = 200;

/** Seconds between KEDA's looks at the triggers (ScaledObject pollingInterval). */
export const KEDA_POLLING_SECONDS = 15;
/**
 * Messages one dispatcher sends per second: README "Dispatch" measured 1,414–2,101 msg/s for one
 * dispatcher on a loaded 2-core machine (bench/dispatch.ts); the lower end of the 1,500–2,000 we
 * plan with, so a replica is added early rather than late.
 */
export const DISPATCHER_SEND_RATE = 1_500;
/**
 * Due queued rows per dispatcher replica at which KEDA adds one (the PostgreSQL trigger's
 * targetQueryValue): what one replica sends in one polling interval (1,500 × 15 = 22,500). A
 * backlog the current replicas cannot clear before KEDA looks again adds replicas; one they can
 * clear does not. One channel is one actor, so a backlog on a single rate-limited channel gains
 * nothing from more replicas: maxReplicaCount bounds that case.
 */
export const DISPATCH_BACKLOG_TARGET = DISPATCHER_SEND_RATE * KEDA_POLLING_SECONDS;

/** What docker-compose.yml runs besides the apps (the Dapr images follow dapr/VERSION). */
export const COMPOSE = {
  placementPort: 50005,
  schedulerPort: 50006,
  postgres: { image: "postgres:15", user: "turumba", password: "turumba", db: "turumba" },
  rabbitmq: { image: "rabbitmq:3.13-management", consumerTimeoutMs: 120_000 },
  redis: { image: "redis:7.2" },
  simulator: { httpPort: 4010, smtpPort: 2525, smppPort: 2775 },
};
