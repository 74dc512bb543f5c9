/**
 * The Kubernetes side of the model: Dapr resources derived from the component files the local
 * launcher uses (so production runs the settings CI tests), and one Deployment, Service,
 * PodDisruptionBudget, autoscaler and secret-reading role per deployed app id.
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DUE_BACKLOG_SQL } from "../../db/messages/dispatch-backlog.js";
import {
  APP_VERSION,
  DEFAULT_DISPATCH_QUEUE_TARGET,
  DISPATCH_BACKLOG_TARGET,
  DEPLOYED_APPS,
  DISPATCH_QUEUE_TARGET,
  DISPATCH_TOPIC,
  IMAGE,
  K8S,
  KEDA_POLLING_SECONDS,
  LOCAL_DAPR_CONFIG,
  PRODUCTION_COMPONENT_DIRS,
  RESILIENCY_DIR,
  type DeployedApp,
} from "./model.js";
import { readDocs, stringifyDocs, yamlFilesUnder, GENERATED_NOTE, type Doc } from "./yaml-io.js";

type Entry = { comment?: string; value: Doc };

const deployedIds = () => new Set(DEPLOYED_APPS.map((a) => a.appId));
/** Kubernetes' recommended labels; the selector uses only the name, which never changes. */
export const labels = (app: DeployedApp) => ({
  "app.kubernetes.io/name": app.appId,
  "app.kubernetes.io/instance": app.appId,
  "app.kubernetes.io/version": APP_VERSION,
  "app.kubernetes.io/component": app.role,
  "app.kubernetes.io/part-of": "turumba",
  "app.kubernetes.io/managed-by": "kustomize",
});
const selector = (app: DeployedApp) => ({ matchLabels: { "app.kubernetes.io/name": app.appId } });

interface MetadataItem {
  name: string;
  value?: unknown;
  secretKeyRef?: { name: string; key?: string };
}

/** Scopes narrowed to the apps deployed on Kubernetes; undefined when the source had none. */
function deployedScopes(source: string, scopes: unknown): string[] | undefined {
  if (scopes === undefined) return undefined;
  if (!Array.isArray(scopes)) throw new Error(`${source}: scopes must be a list`);
  return (scopes as string[]).filter((s) => deployedIds().has(s));
}

function sourceDocs(root: string, dirs: string[]) {
  return dirs.flatMap((dir) => yamlFilesUnder(root, dir).flatMap((f) => readDocs(root, f)));
}

/** Secret keys the Dapr components read from K8S.secrets.components. */
export function componentSecretKeys(root: string): string[] {
  const keys = new Set<string>();
  for (const { doc } of sourceDocs(root, PRODUCTION_COMPONENT_DIRS)) {
    if (doc.kind !== "Component") continue;
    for (const m of ((doc.spec as Doc).metadata as MetadataItem[] | undefined) ?? []) {
      if (m.secretKeyRef) keys.add(m.secretKeyRef.key ?? m.secretKeyRef.name);
    }
  }
  return [...keys].sort();
}

export function daprComponents(root: string): string {
  const entries: Entry[] = [
    {
      comment: `Secret store for component credentials: the Kubernetes Secret ${K8S.secrets.components}, read by the\nsidecar with its service account (Role ${"<app>"}-dapr-secrets allows only that Secret). The built-in\nstore is disabled on every pod (dapr.io/disable-builtin-k8s-secret-store), so this is the only one.`,
      value: {
        apiVersion: "dapr.io/v1alpha1",
        kind: "Component",
        metadata: { name: K8S.secretStore },
        spec: { type: "secretstores.kubernetes", version: "v1", metadata: [] },
        scopes: DEPLOYED_APPS.map((a) => a.appId),
      },
    },
  ];
  for (const { source, doc } of sourceDocs(root, PRODUCTION_COMPONENT_DIRS)) {
    if (doc.kind !== "Component") continue;
    const spec = doc.spec as Doc & { type: string; metadata?: MetadataItem[] };
    // Local secret stores read the process environment; on Kubernetes the store above replaces them.
    if (spec.type.startsWith("secretstores.")) continue;
    let usesSecrets = false;
    const metadata = (spec.metadata ?? []).map((m) => {
      if (!m.secretKeyRef) return m;
      usesSecrets = true;
      return {
        name: m.name,
        secretKeyRef: { name: K8S.secrets.components, key: m.secretKeyRef.key ?? m.secretKeyRef.name },
      };
    });
    const scopes = deployedScopes(source, doc.scopes);
    if (scopes && scopes.length === 0) continue;
    entries.push({
      comment: `From ${source}: the settings are the ones the local launcher and CI run; that file says why.`,
      value: {
        apiVersion: doc.apiVersion,
        kind: "Component",
        metadata: { name: (doc.metadata as Doc).name },
        spec: { ...spec, metadata },
        ...(usesSecrets ? { auth: { secretStore: K8S.secretStore } } : {}),
        ...(scopes ? { scopes } : {}),
      },
    });
  }
  const keys = componentSecretKeys(root).join(", ");
  return stringifyDocs(
    `${GENERATED_NOTE}\nDapr components of the production deployment. Secret ${K8S.secrets.components} must hold: ${keys}.`,
    entries,
  );
}

export function daprSubscriptions(root: string): string {
  const entries: Entry[] = [];
  for (const { source, doc } of sourceDocs(root, PRODUCTION_COMPONENT_DIRS)) {
    if (doc.kind !== "Subscription") continue;
    const scopes = deployedScopes(source, doc.scopes);
    // A subscription without scopes would reach every app, the API included: not what the source meant.
    if (!scopes || scopes.length === 0) continue;
    entries.push({ value: { ...doc, metadata: { name: (doc.metadata as Doc).name }, scopes } });
  }
  return stringifyDocs(
    `${GENERATED_NOTE}\nDeclarative subscriptions from components/common and the broker's folder, scoped to the deployed app ids that consume them.`,
    entries,
  );
}

export function daprResiliency(root: string): string {
  const entries = sourceDocs(root, [RESILIENCY_DIR]).map(({ source, doc }) => ({
    comment: `From ${source}.`,
    value: doc,
  }));
  return stringifyDocs(`${GENERATED_NOTE}\nThe same resiliency policies as every local sidecar.`, entries);
}

export function daprConfiguration(root: string): string {
  const [local] = readDocs(root, LOCAL_DAPR_CONFIG);
  const spec = local!.doc.spec as Doc & { tracing?: Doc };
  const value = {
    apiVersion: local!.doc.apiVersion,
    kind: "Configuration",
    metadata: { name: K8S.daprConfig },
    spec: {
      ...spec,
      // Spans go to the cluster's OpenTelemetry collector; sampling follows dapr/config.yaml.
      tracing: { ...spec.tracing, otel: { endpointAddress: K8S.otlpEndpoint, isSecure: false, protocol: "grpc" } },
      // Sidecars may read only the component Secret, and only through our store.
      secrets: {
        scopes: [{ storeName: K8S.secretStore, defaultAccess: "deny", allowedSecrets: [K8S.secrets.components] }],
      },
      // No app invokes another (they talk through pub/sub and actors): service invocation stays closed.
      accessControl: { defaultAction: "deny", trustDomain: "public" },
    },
  };
  return stringifyDocs(
    `${GENERATED_NOTE}\nFrom ${LOCAL_DAPR_CONFIG}, plus what only a cluster has: the OTLP exporter, the Kubernetes secret\nstore scope and closed service invocation. Actor settings (idle timeout, scan interval, drain) are\nthe app's answer to /dapr/config and come from the ${K8S.configMap} ConfigMap.`,
    [{ value }],
  );
}

function appEnv(app: DeployedApp): Doc[] {
  const secretRef = (name: string, key: string, optional?: boolean) => ({
    secretKeyRef: { name, key, ...(optional ? { optional: true } : {}) },
  });
  return [
    { name: "ROLE", value: app.role },
    // Kubelet probes come from outside the pod; sidecar routes stay guarded by the app token.
    { name: "APP_HOST", value: "0.0.0.0" },
    { name: "APP_PORT", value: String(app.port) },
    { name: "METRICS_PORT", value: String(K8S.appMetricsPort) },
    { name: "DAPR_HOST", value: "127.0.0.1" },
    ...Object.entries(app.env ?? {}).map(([name, value]) => ({ name, value })),
    ...app.secretEnv.map((s) => ({ name: s.key, valueFrom: secretRef(K8S.secrets.app, s.key, s.optional) })),
    // The same Secrets the injector hands to the sidecar: one token each way.
    { name: "DAPR_API_TOKEN", valueFrom: secretRef(K8S.secrets.daprApiToken, "token") },
    { name: "APP_API_TOKEN", valueFrom: secretRef(K8S.secrets.appApiToken, "token") },
  ];
}

function daprAnnotations(app: DeployedApp): Record<string, string> {
  return {
    "dapr.io/enabled": "true",
    "dapr.io/app-id": app.appId,
    "dapr.io/app-port": String(app.port),
    "dapr.io/app-protocol": "http",
    "dapr.io/config": K8S.daprConfig,
    "dapr.io/log-level": "info",
    "dapr.io/log-as-json": "true",
    "dapr.io/sidecar-cpu-request": app.sidecar.cpuRequest,
    "dapr.io/sidecar-cpu-limit": app.sidecar.cpuLimit,
    "dapr.io/sidecar-memory-request": app.sidecar.memoryRequest,
    "dapr.io/sidecar-memory-limit": app.sidecar.memoryLimit,
    "dapr.io/api-token-secret": K8S.secrets.daprApiToken,
    "dapr.io/app-token-secret": K8S.secrets.appApiToken,
    "dapr.io/enable-app-health-check": "true",
    "dapr.io/app-health-check-path": "/health",
    "dapr.io/app-health-probe-interval": "5",
    "dapr.io/enable-metrics": "true",
    "dapr.io/metrics-port": String(K8S.sidecarMetricsPort),
    "dapr.io/graceful-shutdown-seconds": String(app.sidecarGraceSeconds),
    ...(app.blockShutdownSeconds ? { "dapr.io/block-shutdown-duration": `${app.blockShutdownSeconds}s` } : {}),
    "dapr.io/disable-builtin-k8s-secret-store": "true",
    "dapr.io/sidecar-seccomp-profile-type": "RuntimeDefault",
  };
}

function deployment(app: DeployedApp): Doc {
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app.appId, labels: labels(app) },
    spec: {
      // No replicas: the autoscaler owns the count (an applied value would reset it on every apply).
      revisionHistoryLimit: 5,
      selector: selector(app),
      // Never fewer ready pods than asked for during a rollout: actors move one host at a time.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(app), annotations: daprAnnotations(app) },
        spec: {
          serviceAccountName: app.appId,
          terminationGracePeriodSeconds: app.terminationGraceSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: selector(app),
            },
          ],
          containers: [
            {
              name: "app",
              image: IMAGE,
              imagePullPolicy: "IfNotPresent",
              ports: [
                { name: "http", containerPort: app.port, protocol: "TCP" },
                { name: "metrics", containerPort: K8S.appMetricsPort, protocol: "TCP" },
              ],
              envFrom: [{ configMapRef: { name: K8S.configMap } }],
              env: appEnv(app),
              resources: {
                requests: { cpu: app.app.cpuRequest, memory: app.app.memoryRequest },
                limits: { cpu: app.app.cpuLimit, memory: app.app.memoryLimit },
              },
              // Start-up runs database migrations: give it two minutes before liveness counts.
              startupProbe: probe("/health", 2, 60),
              livenessProbe: probe("/health", 10, 3),
              // Ready = sidecar and database answer; a pod that loses either stops getting traffic.
              readinessProbe: probe("/ready", 5, 2),
              // The sidecar gets SIGTERM at once and drains (deliveries stop, actors hand back to placement);
              // the app keeps serving those last calls for preStopSeconds, then gets its own SIGTERM.
              lifecycle: { preStop: { sleep: { seconds: app.preStopSeconds } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
      },
    },
  };
}

const scaleDownBehavior = {
  // Scale down slowly: every removed actor host rebalances actors (and SMPP binds) across the rest.
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
};

function appDocs(app: DeployedApp): Entry[] {
  const meta = (name: string) => ({ name, labels: labels(app) });
  return [
    {
      comment: `${app.appId}: role ${app.role}${app.actorHost ? ", actor host" : ""}.`,
      value: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(app.appId) },
    },
    {
      value: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(`${app.appId}-dapr-secrets`),
        rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [K8S.secrets.components], verbs: ["get"] }],
      },
    },
    {
      value: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(`${app.appId}-dapr-secrets`),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${app.appId}-dapr-secrets` },
        subjects: [{ kind: "ServiceAccount", name: app.appId }],
      },
    },
    { value: deployment(app) },
    {
      value: {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(app.appId),
        spec: {
          selector: selector(app).matchLabels,
          ports: [{ name: "http", port: app.public ? 80 : app.port, targetPort: "http", protocol: "TCP" }],
        },
      },
    },
    {
      value: {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta(app.appId),
        spec: { maxUnavailable: 1, selector: selector(app) },
      },
    },
    {
      comment: app.actorHost
        ? "Actor hosts scale on the CPU of the app container (the sidecar's is not counted)."
        : undefined,
      value: {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: meta(app.appId),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: app.appId },
          minReplicas: app.scale.min,
          maxReplicas: app.scale.max,
          metrics: [
            {
              type: "ContainerResource",
              containerResource: {
                name: "cpu",
                container: "app",
                target: { type: "Utilization", averageUtilization: app.scale.cpuPercent },
              },
            },
          ],
          behavior: scaleDownBehavior,
        },
      },
    },
  ];
}

export function k8sApps(): string {
  return stringifyDocs(
    `${GENERATED_NOTE}\nOne ServiceAccount, secret-reading Role, Deployment, Service, PodDisruptionBudget and CPU autoscaler per\napp id in scripts/validate/model.ts. Secrets referenced here are created by the operator (docs/operations.md).`,
    DEPLOYED_APPS.flatMap(appDocs),
  );
}

const TURUMBA_PODS = { matchLabels: { "app.kubernetes.io/part-of": "turumba" } };
const namespaceNamed = (name: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});
const tcp = (ports: (number | string)[]) => ports.map((port) => ({ protocol: "TCP", port }));
const policy = (name: string, spec: Doc) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, labels: { "app.kubernetes.io/part-of": "turumba", "app.kubernetes.io/managed-by": "kustomize" } },
  spec,
});

/** Default deny in the namespace, then exactly the traffic the apps and their sidecars need. */
export function networkPolicies(): string {
  const n = K8S.network;
  const collectorPort = Number(K8S.otlpEndpoint.split(":").at(-1));
  const entries: Entry[] = [
    {
      comment:
        "Nothing in or out of any pod of the namespace unless a policy below allows it. Kubelet probes come\nfrom the node and are not subject to NetworkPolicy on the usual CNIs.",
      value: policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    },
    {
      comment: "Name resolution, for every pod.",
      value: policy("allow-dns", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ...namespaceNamed("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      }),
    },
    {
      comment: `What our pods may reach. The app talks to its own sidecar over loopback (3500 HTTP, 50001 gRPC): no\nrule needed. Sidecars dial the control plane in ${n.daprNamespace} (placement, scheduler, sentry, operator)\nand each other on ${n.daprInternalPort}; the control plane never dials a sidecar, so it gets no ingress.`,
      value: policy("turumba-egress", {
        podSelector: TURUMBA_PODS,
        policyTypes: ["Egress"],
        egress: [
          { to: [namespaceNamed(n.daprNamespace)], ports: tcp(n.daprControlPlanePorts) },
          { to: [{ podSelector: TURUMBA_PODS }], ports: tcp([n.daprInternalPort]) },
          { to: [namespaceNamed(n.collectorNamespace)], ports: tcp([collectorPort]) },
          // PostgreSQL, RabbitMQ, Redis and the API server: by port, wherever they run (model.ts NETWORK).
          { ports: tcp([...n.dataPorts, ...n.apiServerPorts]) },
          {
            to: [{ ipBlock: { cidr: "0.0.0.0/0", except: n.clusterCidrs } }],
            ports: tcp(n.providerPorts),
          },
        ],
      }),
    },
    ...DEPLOYED_APPS.map((app) => ({
      comment: `Into ${app.appId}: ${app.public ? `its API port from the ingress controller (${n.ingressNamespace}), ` : ""}actor and\ninvocation calls from our other sidecars, and metrics scrapes (app and sidecar) from ${n.monitoringNamespace}.`,
      value: policy(`${app.appId}-ingress`, {
        podSelector: selector(app),
        policyTypes: ["Ingress"],
        ingress: [
          ...(app.public ? [{ from: [namespaceNamed(n.ingressNamespace)], ports: tcp(["http"]) }] : []),
          { from: [{ podSelector: TURUMBA_PODS }], ports: tcp([n.daprInternalPort]) },
          {
            from: [namespaceNamed(n.monitoringNamespace)],
            ports: tcp(["metrics", K8S.sidecarMetricsPort]),
          },
        ],
      }),
    })),
  ];
  return stringifyDocs(
    `${GENERATED_NOTE}\nNetworkPolicies: default deny, then what each app and its sidecar need (scripts/validate/model.ts NETWORK).`,
    entries,
  );
}

/** The optional PodMonitor: the app's /metrics and the sidecar's metrics of every pod of ours. */
export function monitoringFiles(): Record<string, string> {
  const podMonitor = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: {
      name: "turumba",
      labels: { "app.kubernetes.io/part-of": "turumba", "app.kubernetes.io/managed-by": "kustomize" },
    },
    spec: {
      selector: TURUMBA_PODS,
      podMetricsEndpoints: [
        // The app's own listener (METRICS_PORT), never the API port.
        { port: "metrics", path: "/metrics", interval: "30s" },
        // daprd serves its metrics at / on the port the injector names dapr-metrics (K8S.sidecarMetricsPort).
        { port: "dapr-metrics", path: "/", interval: "30s" },
      ],
    },
  };
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1alpha1",
    kind: "Component",
    resources: ["podmonitor.yaml"],
  };
  return {
    "k8s/components/monitoring/podmonitor.yaml": stringifyDocs(
      `${GENERATED_NOTE}\nScrapes the app (port metrics) and its sidecar (port dapr-metrics) of every pod of ours. Needs the\nPrometheus Operator, and a Prometheus whose podMonitorSelector picks this PodMonitor up.`,
      [{ value: podMonitor }],
    ),
    "k8s/components/monitoring/kustomization.yaml": stringifyDocs(
      `${GENERATED_NOTE}\nOptional: overlays on a cluster with the Prometheus Operator add \`components: [../../components/monitoring]\`.\nThe NetworkPolicies already let the ${K8S.network.monitoringNamespace} namespace reach both ports.`,
      [{ value: kustomization }],
    ),
  };
}

/** Dispatch topics each deployed app consumes, from the generated subscriptions' sources. */
export function dispatchTopicsByApp(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { source, doc } of sourceDocs(root, PRODUCTION_COMPONENT_DIRS)) {
    if (doc.kind !== "Subscription") continue;
    const topic = String((doc.spec as Doc).topic);
    if (!DISPATCH_TOPIC.test(topic)) continue;
    for (const appId of deployedScopes(source, doc.scopes) ?? []) out.set(appId, [...(out.get(appId) ?? []), topic]);
  }
  return out;
}

/** RabbitMQ's queue for a subscription: the component names it `{consumerID}-{topic}`, consumerID = app id. */
export const rabbitQueue = (appId: string, topic: string) => `${appId}-${topic}`;

export function kedaScaledObjects(root: string): string {
  const entries: Entry[] = [
    {
      comment: `KEDA reads queue depth from the RabbitMQ management API; Secret ${K8S.secrets.kedaRabbitmq} key \`host\` holds\nits URL with credentials (http://user:password@rabbitmq.example:15672/).`,
      value: {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: { name: "rabbitmq-management" },
        spec: { secretTargetRef: [{ parameter: "host", name: K8S.secrets.kedaRabbitmq, key: "host" }] },
      },
    },
    {
      comment: `KEDA counts the dispatch backlog in PostgreSQL; Secret ${K8S.secrets.kedaPostgres} key \`connection\` holds\na URL of a role that may read messages and channels (postgres://keda:password@postgres:5432/turumba).`,
      value: {
        apiVersion: "keda.sh/v1alpha1",
        kind: "TriggerAuthentication",
        metadata: { name: "dispatch-backlog-postgresql" },
        spec: { secretTargetRef: [{ parameter: "connection", name: K8S.secrets.kedaPostgres, key: "connection" }] },
      },
    },
  ];
  for (const [appId, topics] of dispatchTopicsByApp(root)) {
    const app = DEPLOYED_APPS.find((a) => a.appId === appId)!;
    const triggers: Doc[] = topics.map((topic) => {
      const type = DISPATCH_TOPIC.exec(topic)![1]!;
      return {
        type: "rabbitmq",
        name: `queue-${type}`,
        authenticationRef: { name: "rabbitmq-management" },
        metadata: {
          protocol: "http",
          mode: "QueueLength",
          value: String(DISPATCH_QUEUE_TARGET[type] ?? DEFAULT_DISPATCH_QUEUE_TARGET),
          queueName: rabbitQueue(appId, topic),
          vhostName: "/",
          // Ready messages only: deliveries a sidecar already holds (up to prefetchCount) are being worked on.
          excludeUnacknowledged: "true",
        },
      };
    });
    // The real backlog: the nudges above say a consumer lags, the queued rows say how much work waits.
    triggers.push({
      type: "postgresql",
      name: "dispatch-backlog",
      authenticationRef: { name: "dispatch-backlog-postgresql" },
      metadata: {
        query: DUE_BACKLOG_SQL.replace(/\s+/g, " "),
        targetQueryValue: String(DISPATCH_BACKLOG_TARGET),
        activationTargetQueryValue: "0",
      },
    });
    if (app.actorHost)
      triggers.push({
        type: "cpu",
        name: "cpu",
        metricType: "Utilization",
        metadata: { value: String(app.scale.cpuPercent), containerName: "app" },
      });
    entries.push({
      comment: `${appId}: one trigger per channel-type queue (each with its own target), so a backlog on any one\nchannel type adds consumers; the due queued rows in PostgreSQL (${DISPATCH_BACKLOG_TARGET} per replica)${app.actorHost ? ";\nand CPU, because this app also hosts the actors" : ""}. Replaces the HPA of the base.`,
      value: {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: { name: appId, labels: labels(app) },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: appId },
          minReplicaCount: app.scale.min,
          maxReplicaCount: app.scale.max,
          pollingInterval: KEDA_POLLING_SECONDS,
          cooldownPeriod: 300,
          advanced: { horizontalPodAutoscalerConfig: { behavior: scaleDownBehavior } },
          triggers,
        },
      },
    });
  }
  return stringifyDocs(
    `${GENERATED_NOTE}\nBacklog scaling of the dispatch consumers: queues follow the RabbitMQ component's {appId}-{topic} names;\nthe PostgreSQL trigger runs DUE_BACKLOG_SQL of db/messages/dispatch-backlog.ts.`,
    entries,
  );
}

export function kedaKustomization(root: string): string {
  const apps = [...dispatchTopicsByApp(root).keys()];
  const value = {
    apiVersion: "kustomize.config.k8s.io/v1alpha1",
    kind: "Component",
    resources: ["scaledobjects.yaml"],
    // KEDA owns the HPA of a scaled Deployment; the base's CPU-only HPA would fight it.
    patches: apps.map((appId) => ({
      target: { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", name: appId },
      patch: `$patch: delete\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${appId}\n`,
    })),
  };
  return stringifyDocs(
    `${GENERATED_NOTE}\nKEDA queue-depth scaling (needs KEDA 2.x in the cluster). Overlays opt in with \`components: [../../components/keda-dispatch]\`.`,
    [{ value }],
  );
}

/** Every generated Kubernetes file, path → content. */
export function k8sFiles(root: string): Record<string, string> {
  const missing = PRODUCTION_COMPONENT_DIRS.filter((d) => readdirSync(join(root, d)).length === 0);
  if (missing.length) throw new Error(`empty component directories: ${missing.join(", ")}`);
  return {
    "k8s/base/generated/apps.yaml": k8sApps(),
    "k8s/base/generated/network-policies.yaml": networkPolicies(),
    "k8s/base/generated/dapr-components.yaml": daprComponents(root),
    "k8s/base/generated/dapr-subscriptions.yaml": daprSubscriptions(root),
    "k8s/base/generated/dapr-configuration.yaml": daprConfiguration(root),
    "k8s/base/generated/dapr-resiliency.yaml": daprResiliency(root),
    "k8s/components/keda-dispatch/scaledobjects.yaml": kedaScaledObjects(root),
    "k8s/components/keda-dispatch/kustomization.yaml": kedaKustomization(root),
    ...monitoringFiles(),
  };
}
