/**
 * What a schema cannot see: references between objects (a subscription's scope names an app
 * that exists, a scaler's queue is the queue the broker component will declare, a secret a
 * component reads is one the sidecar may read), and the rules we hold every deployment to
 * (non-root, probes, limits, drain time, no committed Secret, settings the app understands).
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../../core/config.js";
import { DUE_BACKLOG_SQL } from "../../db/messages/dispatch-backlog.js";
import { DEPLOYED_APPS, DISPATCH_TOPIC, K8S, LOCAL_ONLY_APP_IDS, NETWORK } from "./model.js";
import { allows, type Direction, type Peer, type Port } from "./network.js";
import type { Problem } from "./schemas.js";
import { readDocs, yamlFilesUnder, type Doc, type SourcedDoc } from "./yaml-io.js";

const REQUIRED_DAPR_ANNOTATIONS = [
  "dapr.io/app-id",
  "dapr.io/app-port",
  "dapr.io/app-protocol",
  "dapr.io/config",
  "dapr.io/log-level",
  "dapr.io/sidecar-cpu-request",
  "dapr.io/sidecar-cpu-limit",
  "dapr.io/sidecar-memory-request",
  "dapr.io/sidecar-memory-limit",
  "dapr.io/api-token-secret",
  "dapr.io/app-token-secret",
  "dapr.io/graceful-shutdown-seconds",
];
/** Kubernetes' recommended labels, on every Deployment and its pods. */
const RECOMMENDED_LABELS = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];
/** The suffix kustomize's configMapGenerator appends: a hash of the content. */
const CONTENT_HASH_SUFFIX = /-[a-z0-9]{10}$/;
/** Pods a PodDisruptionBudget lets go at `replicas` pods (an int or a percentage, rounded as Kubernetes does). */
function disruptionsAllowed(spec: Doc, replicas: number): number {
  const count = (v: unknown, roundUp: boolean) => {
    if (typeof v === "number") return v;
    const pct = Number(String(v).replace("%", "")) / 100;
    return roundUp ? Math.ceil(pct * replicas) : Math.floor(pct * replicas);
  };
  if (spec.maxUnavailable !== undefined) return count(spec.maxUnavailable, true);
  if (spec.minAvailable !== undefined) return replicas - count(spec.minAvailable, true);
  return replicas;
}

/** Metadata that carries credentials: only ever through secretKeyRef. */
const CREDENTIAL_FIELD = /password|connectionString|token|secret/i;

type Obj = Doc & {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
};
const obj = (d: SourcedDoc) => d.doc as Obj;
const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Doc)[k] : undefined), o);
const durationSeconds = (s: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
};

/**
 * The placement service's --disseminate-timeout (Dapr's default; the Helm chart does not change
 * it). A host must drain its rebalanced actors' calls within it, or placement drops the host.
 */
const PLACEMENT_DISSEMINATE_TIMEOUT_S = 8;

/** Read by Node itself, not by the app's config: allowed beside the app's settings. */
const RUNTIME_ENV = ["NODE_OPTIONS"];

/** Environment an app would see, parsed with the app's own config schema. */
function checkAppEnv(env: Record<string, string>, where: string, problems: Problem[]): void {
  const known = new Set([...Object.keys(configSchema.shape), ...RUNTIME_ENV]);
  for (const name of Object.keys(env)) {
    if (!known.has(name))
      problems.push({ source: where, message: `environment variable ${name} is not a setting of core/config.ts` });
  }
  const parsed = configSchema.safeParse(env);
  if (!parsed.success)
    for (const i of parsed.error.issues) problems.push({ source: where, message: `${i.path.join(".")}: ${i.message}` });
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Doc; limits?: Doc };
  securityContext?: Doc;
  livenessProbe?: Doc;
  readinessProbe?: Doc;
  lifecycle?: Doc;
}

/** Checks across the objects of one rendered overlay. */
export function checkRendered(docs: SourcedDoc[], label: string): Problem[] {
  const problems: Problem[] = [];
  const p = (source: string, message: string) => problems.push({ source: `${label}: ${source}`, message });
  const byKind = (kind: string) => docs.map(obj).filter((o) => o.kind === kind);
  const components = byKind("Component");
  const configMaps = new Map(
    byKind("ConfigMap").map((c) => [c.metadata.name, (c.data ?? {}) as Record<string, string>]),
  );
  const deployments = byKind("Deployment");
  const appIdOf = new Map<string, string>();
  const knownApps = new Set(DEPLOYED_APPS.map((a) => a.appId));

  for (const s of byKind("Secret")) p(`Secret/${s.metadata.name}`, "Secrets are referenced, never committed");

  for (const d of deployments) {
    const where = `Deployment/${d.metadata.name}`;
    const tpl = get(d, "spec", "template") as Doc;
    const ann = (get(tpl, "metadata", "annotations") ?? {}) as Record<string, string>;
    const pod = get(tpl, "spec") as Doc & {
      containers: Container[];
      securityContext?: Doc;
      terminationGracePeriodSeconds?: number;
    };
    const app = pod.containers.find((c) => c.name === "app");
    if (!app) {
      p(where, 'no container named "app"');
      continue;
    }
    if (ann["dapr.io/enabled"] !== "true") p(where, "Dapr sidecar not enabled (dapr.io/enabled)");
    for (const a of REQUIRED_DAPR_ANNOTATIONS) if (!ann[a]) p(where, `missing annotation ${a}`);
    const appId = ann["dapr.io/app-id"] ?? "";
    appIdOf.set(d.metadata.name, appId);
    if (!knownApps.has(appId)) p(where, `app id ${appId} is not in scripts/validate/model.ts`);
    const httpPort = app.ports?.find((x) => x.name === "http")?.containerPort;
    for (const [what, l] of [
      ["labels", d.metadata.labels],
      ["pod labels", get(tpl, "metadata", "labels")],
    ] as const) {
      const missing = RECOMMENDED_LABELS.filter((k) => !(l as Record<string, string> | undefined)?.[k]);
      if (missing.length) p(where, `${what} lack the recommended ${missing.join(", ")}`);
    }
    if (String(httpPort) !== ann["dapr.io/app-port"])
      p(where, `dapr.io/app-port ${ann["dapr.io/app-port"]} is not the app's http port ${httpPort}`);
    if (!byKind("Configuration").some((c) => c.metadata.name === ann["dapr.io/config"]))
      p(where, `dapr.io/config names no Configuration: ${ann["dapr.io/config"]}`);

    const envSecret = (name: string) => app.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    for (const [envName, annotation] of [
      ["DAPR_API_TOKEN", "dapr.io/api-token-secret"],
      ["APP_API_TOKEN", "dapr.io/app-token-secret"],
    ] as const) {
      const ref = envSecret(envName);
      if (ref?.name !== ann[annotation] || ref?.key !== "token")
        p(where, `${envName} must come from Secret ${ann[annotation]} key token, as the sidecar's does`);
    }

    // Security and resources of every container; probes and drain of the app.
    for (const c of pod.containers) {
      const sc = c.securityContext ?? {};
      if (sc.runAsNonRoot !== true && get(pod.securityContext, "runAsNonRoot") !== true)
        p(`${where} ${c.name}`, "not runAsNonRoot");
      if (sc.readOnlyRootFilesystem !== true) p(`${where} ${c.name}`, "root filesystem not read-only");
      if (sc.allowPrivilegeEscalation !== false) p(`${where} ${c.name}`, "allowPrivilegeEscalation not false");
      if (!((get(sc, "capabilities", "drop") ?? []) as string[]).includes("ALL"))
        p(`${where} ${c.name}`, "capabilities not dropped (drop: [ALL])");
      for (const k of ["requests", "limits"] as const)
        for (const r of ["cpu", "memory"])
          if (!c.resources?.[k]?.[r]) p(`${where} ${c.name}`, `no ${r} ${k.slice(0, -1)}`);
    }
    if (get(app.livenessProbe, "httpGet", "path") !== "/health") p(where, "liveness probe is not GET /health");
    if (get(app.readinessProbe, "httpGet", "path") !== "/ready") p(where, "readiness probe is not GET /ready");

    const env: Record<string, string> = {};
    for (const ref of app.envFrom ?? []) {
      const cm = ref.configMapRef?.name;
      if (cm && !configMaps.has(cm)) p(where, `envFrom names no ConfigMap: ${cm}`);
      if (cm && !CONTENT_HASH_SUFFIX.test(cm))
        p(where, `ConfigMap ${cm} has no content hash in its name (configMapGenerator): edits would not roll the pods`);
      Object.assign(env, cm ? configMaps.get(cm) : {});
    }
    // Secret-sourced values are unknown here: a placeholder that satisfies any string rule.
    for (const e of app.env ?? []) env[e.name] = e.value ?? "secret-placeholder-0123456789";
    checkAppEnv(env, `${label}: ${where} app environment`, problems);

    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const preStop = Number(get(app.lifecycle, "preStop", "sleep", "seconds") ?? 0);
    const sidecarGrace = Number(ann["dapr.io/graceful-shutdown-seconds"] ?? 5);
    const appGrace = Number(env.SHUTDOWN_GRACE_MS ?? 10_000) / 1000;
    if (preStop + appGrace > grace)
      p(where, `preStop ${preStop}s + SHUTDOWN_GRACE_MS ${appGrace}s exceed terminationGracePeriodSeconds ${grace}s`);
    const block = ann["dapr.io/block-shutdown-duration"] ? durationSeconds(ann["dapr.io/block-shutdown-duration"]) : 0;
    if (block + sidecarGrace > grace)
      p(
        where,
        `dapr.io/block-shutdown-duration ${block}s + graceful-shutdown-seconds ${sidecarGrace} exceed terminationGracePeriodSeconds ${grace}`,
      );
    // The API publishes while it finishes requests: its sidecar must outlive them.
    if (env.ROLE === "api" && block < preStop + appGrace)
      p(
        where,
        `dapr.io/block-shutdown-duration ${block}s is shorter than preStop ${preStop}s + SHUTDOWN_GRACE_MS ${appGrace}s: requests finishing after the sidecar stopped could not publish`,
      );
    if (env.ROLE !== "api" && env.ACTOR_DRAIN_TIMEOUT && durationSeconds(env.ACTOR_DRAIN_TIMEOUT) > sidecarGrace) {
      p(
        where,
        `ACTOR_DRAIN_TIMEOUT ${env.ACTOR_DRAIN_TIMEOUT} is longer than the sidecar's graceful shutdown (${sidecarGrace}s): actors could not drain`,
      );
    }
    if (
      env.ROLE !== "api" &&
      env.ACTOR_DRAIN_TIMEOUT &&
      durationSeconds(env.ACTOR_DRAIN_TIMEOUT) >= PLACEMENT_DISSEMINATE_TIMEOUT_S
    ) {
      p(
        where,
        `ACTOR_DRAIN_TIMEOUT ${env.ACTOR_DRAIN_TIMEOUT} is not under placement's dissemination timeout (${PLACEMENT_DISSEMINATE_TIMEOUT_S}s): a host draining a slow call would be dropped from placement`,
      );
    }
    if (env.ROLE !== "api" && preStop < sidecarGrace)
      p(where, `the app stops (preStop ${preStop}s) before its sidecar finished draining (${sidecarGrace}s)`);

    checkNetwork(
      d,
      { env, ports: app.ports ?? [], policies: byKind("NetworkPolicy"), services: byKind("Service") },
      (m) => p(where, m),
    );

    const sel = JSON.stringify(get(d, "spec", "selector", "matchLabels"));
    const budgets = byKind("PodDisruptionBudget").filter(
      (b) => JSON.stringify(get(b, "spec", "selector", "matchLabels")) === sel,
    );
    if (budgets.length === 0) p(where, "no PodDisruptionBudget selects it");
    const scalers = [...byKind("HorizontalPodAutoscaler"), ...byKind("ScaledObject")].filter(
      (s) => get(s, "spec", "scaleTargetRef", "name") === d.metadata.name,
    );
    if (scalers.length !== 1)
      p(where, `${scalers.length} autoscalers target it (want exactly one: an HPA or a KEDA ScaledObject)`);
    if (scalers.length && get(d, "spec", "replicas") !== undefined)
      p(
        where,
        `sets replicas (${String(get(d, "spec", "replicas"))}) though autoscaled: every apply would reset the autoscaler`,
      );
    const minReplicas = scalers.map((s) =>
      Number(get(s, "spec", "minReplicas") ?? get(s, "spec", "minReplicaCount") ?? 1),
    )[0];
    for (const b of budgets)
      if (minReplicas !== undefined && disruptionsAllowed(get(b, "spec") as Doc, minReplicas) < 1)
        p(
          `PodDisruptionBudget/${b.metadata.name}`,
          `allows no disruption at the autoscaler's minimum of ${minReplicas} pods: node drains would hang`,
        );
  }

  const deployedIds = new Set(appIdOf.values());
  const secretStores = new Set(
    components.filter((c) => String(get(c, "spec", "type")).startsWith("secretstores.")).map((c) => c.metadata.name),
  );
  const pubsubs = new Set(
    components.filter((c) => String(get(c, "spec", "type")).startsWith("pubsub.")).map((c) => c.metadata.name),
  );
  for (const c of components) {
    const where = `Component/${c.metadata.name}`;
    for (const s of (c.scopes ?? []) as string[]) if (!deployedIds.has(s)) p(where, `scope ${s} is no deployed app id`);
    if (!((c.scopes ?? []) as string[]).length) p(where, "no scopes: every app in the namespace would load it");
    const metadata = (get(c, "spec", "metadata") ?? []) as { name: string; value?: unknown; secretKeyRef?: unknown }[];
    for (const m of metadata)
      if (CREDENTIAL_FIELD.test(m.name) && m.value !== undefined)
        p(where, `${m.name} is written in the manifest; use secretKeyRef`);
    const store = get(c, "auth", "secretStore") as string | undefined;
    if (metadata.some((m) => m.secretKeyRef) && (!store || !secretStores.has(store)))
      p(where, `reads secrets through ${store ?? "no store"}, which is not a secret store component here`);
    if (get(c, "spec", "type") === "pubsub.rabbitmq" && metadata.some((m) => m.name === "consumerID"))
      p(where, "consumerID set: queues would no longer be named {appId}-{topic}, which the KEDA scalers rely on");
  }
  for (const cfg of byKind("Configuration")) {
    for (const scope of (get(cfg, "spec", "secrets", "scopes") ?? []) as { storeName: string }[]) {
      if (!secretStores.has(scope.storeName))
        p(
          `Configuration/${cfg.metadata.name}`,
          `secret scope for ${scope.storeName}, which is not a secret store component here`,
        );
    }
  }

  const topicsOf = new Map<string, Set<string>>();
  for (const s of byKind("Subscription")) {
    const where = `Subscription/${s.metadata.name}`;
    const scopes = (s.scopes ?? []) as string[];
    if (scopes.length === 0) p(where, "no scopes: every app, the API included, would consume it");
    for (const a of scopes) {
      if (!deployedIds.has(a)) p(where, `scope ${a} is no deployed app id`);
      topicsOf.set(a, new Set([...(topicsOf.get(a) ?? []), String(get(s, "spec", "topic"))]));
    }
    if (!pubsubs.has(String(get(s, "spec", "pubsubname"))))
      p(where, `pubsub ${String(get(s, "spec", "pubsubname"))} is not a pub/sub component here`);
  }

  const triggerAuths = new Set(byKind("TriggerAuthentication").map((t) => t.metadata.name));
  const brokerTypes = components.filter((c) => pubsubs.has(c.metadata.name)).map((c) => String(get(c, "spec", "type")));
  for (const so of byKind("ScaledObject")) {
    const where = `ScaledObject/${so.metadata.name}`;
    const target = String(get(so, "spec", "scaleTargetRef", "name"));
    const appId = appIdOf.get(target);
    if (!appId) {
      p(where, `targets ${target}, which is no Deployment here`);
      continue;
    }
    const triggers = (get(so, "spec", "triggers") ?? []) as {
      type: string;
      metadata: Record<string, string>;
      authenticationRef?: { name: string };
    }[];
    const queues = new Set(triggers.filter((t) => t.type === "rabbitmq").map((t) => t.metadata.queueName));
    if (queues.size && !brokerTypes.includes("pubsub.rabbitmq"))
      p(
        where,
        `scales on RabbitMQ queues, but the pub/sub component is ${brokerTypes.join(", ") || "missing"}: leave components/keda-dispatch out`,
      );
    for (const t of triggers.filter((x) => x.type === "rabbitmq")) {
      const topic = t.metadata.queueName?.startsWith(`${appId}-`)
        ? t.metadata.queueName.slice(appId.length + 1)
        : undefined;
      if (!topic || !topicsOf.get(appId)?.has(topic))
        p(where, `queue ${t.metadata.queueName} is not {appId}-{topic} of a topic ${appId} subscribes to`);
      if (!t.authenticationRef || !triggerAuths.has(t.authenticationRef.name))
        p(where, `trigger on ${t.metadata.queueName} has no TriggerAuthentication here`);
      if (t.metadata.excludeUnacknowledged !== "true")
        p(
          where,
          `trigger on ${t.metadata.queueName} counts unacknowledged (in-flight) messages: set excludeUnacknowledged "true"`,
        );
    }
    if (queues.size) {
      const backlog = triggers.find(
        (t) =>
          t.type === "postgresql" && t.metadata.query?.replace(/\s+/g, " ") === DUE_BACKLOG_SQL.replace(/\s+/g, " "),
      );
      const auth = byKind("TriggerAuthentication").find((a) => a.metadata.name === backlog?.authenticationRef?.name);
      if (!backlog)
        p(where, "no PostgreSQL trigger on the due queued rows (DUE_BACKLOG_SQL): the queues hold only nudges");
      else if (
        !((get(auth, "spec", "secretTargetRef") ?? []) as { parameter: string }[]).some(
          (r) => r.parameter === "connection",
        )
      )
        p(where, "the backlog trigger's TriggerAuthentication gives no `connection` from a Secret");
    }
    for (const topic of topicsOf.get(appId) ?? []) {
      if (DISPATCH_TOPIC.test(topic) && !queues.has(`${appId}-${topic}`))
        p(where, `no trigger for dispatch queue ${appId}-${topic}`);
    }
  }
  return problems;
}

/** An address on the internet, and one inside the usual cluster ranges, to probe egress rules with. */
const OUTSIDE_IP = "203.0.113.10";
const CLUSTER_IP = "10.96.0.10";

/**
 * The traffic one Deployment's pods need, and what must stay closed, against the rendered
 * NetworkPolicies: default deny, the API port from the ingress controller only, metrics on their
 * own port from the monitoring namespace only, sidecars to each other and to the control plane,
 * DNS, broker, database, collector and providers out.
 */
function checkNetwork(
  d: Obj,
  ctx: {
    env: Record<string, string>;
    ports: { name?: string; containerPort: number }[];
    policies: Obj[];
    services: Obj[];
  },
  p: (message: string) => void,
): void {
  const n = NETWORK;
  const labels = (get(d, "spec", "template", "metadata", "labels") ?? {}) as Record<string, string>;
  const policies = ctx.policies as Doc[];
  const named = (name: string) => {
    const c = ctx.ports.find((x) => x.name === name);
    return c ? { number: c.containerPort, name } : undefined;
  };
  const ok = (dir: Direction, port: Port, peer: Peer) => allows(policies, labels, dir, port, peer);
  const ours = { labels: { "app.kubernetes.io/part-of": "turumba" } };

  if (
    !ctx.policies.some(
      (x) =>
        Object.keys(get(x, "spec", "podSelector") ?? {}).length === 0 &&
        ["Ingress", "Egress"].every((t) => ((get(x, "spec", "policyTypes") ?? []) as string[]).includes(t)) &&
        !get(x, "spec", "ingress") &&
        !get(x, "spec", "egress"),
    )
  )
    p("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules) in its namespace");

  const http = named("http");
  const metrics = named("metrics");
  if (!ctx.env.METRICS_PORT || ctx.env.METRICS_PORT === ctx.env.APP_PORT || !metrics)
    p("/metrics is served on the app's port: set METRICS_PORT and a container port named metrics");
  for (const svc of ctx.services) {
    if (!selectsPod(svc, labels)) continue;
    for (const sp of (get(svc, "spec", "ports") ?? []) as { targetPort?: unknown; port: number }[])
      if (metrics && (sp.targetPort === "metrics" || sp.targetPort === metrics.number))
        p(`Service/${svc.metadata.name} publishes the metrics port`);
  }

  if (http && ctx.env.ROLE === "api") {
    if (!ok("Ingress", http, { namespace: n.ingressNamespace }))
      p(`the API port is closed to the ingress controller (${n.ingressNamespace})`);
    if (ok("Ingress", http, { namespace: "some-other-namespace" }))
      p("the API port is open to every namespace, not only the ingress controller's");
  }
  if (!ok("Ingress", { number: n.daprInternalPort }, ours))
    p(`our sidecars cannot reach its sidecar on ${n.daprInternalPort} (actor calls)`);
  for (const port of [metrics, { number: K8S.sidecarMetricsPort }].filter((x): x is Port => !!x)) {
    if (!ok("Ingress", port, { namespace: n.monitoringNamespace }))
      p(`metrics port ${port.number} is closed to ${n.monitoringNamespace}`);
    if (ok("Ingress", port, { namespace: n.ingressNamespace }))
      p(`metrics port ${port.number} is open beyond ${n.monitoringNamespace}`);
  }

  const egress: [string, Port, Peer][] = [
    ["DNS", { number: 53, protocol: "UDP" }, { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }],
    ...n.daprControlPlanePorts.map(
      (port) => [`the Dapr control plane`, { number: port }, { namespace: n.daprNamespace }] as [string, Port, Peer],
    ),
    ["other sidecars", { number: n.daprInternalPort }, ours],
    [
      "the OpenTelemetry collector",
      { number: Number(K8S.otlpEndpoint.split(":").at(-1)) },
      { namespace: n.collectorNamespace },
    ],
    ...[...n.dataPorts, ...n.apiServerPorts].map(
      (port) => ["the database, broker or API server", { number: port }, { ip: OUTSIDE_IP }] as [string, Port, Peer],
    ),
    ...n.providerPorts.map((port) => ["providers", { number: port }, { ip: OUTSIDE_IP }] as [string, Port, Peer]),
  ];
  for (const [what, port, peer] of egress)
    if (!ok("Egress", port, peer)) p(`egress to ${what} on ${port.protocol ?? "TCP"} ${port.number} is closed`);
  for (const port of n.providerPorts.filter((x) => !n.apiServerPorts.includes(x)))
    if (ok("Egress", { number: port }, { ip: CLUSTER_IP }))
      p(`provider port ${port} is open to cluster addresses (${CLUSTER_IP}), not only the internet`);
}

const selectsPod = (svc: Obj, labels: Record<string, string>) =>
  Object.entries((get(svc, "spec", "selector") ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);

/** Checks across components/ and dapr/: the contract every component set keeps. */
export function checkLocal(docs: SourcedDoc[], root: string): Problem[] {
  const problems: Problem[] = [];
  const p = (source: string, message: string) => problems.push({ source, message });
  const appIds = new Set([...DEPLOYED_APPS.map((a) => a.appId), ...LOCAL_ONLY_APP_IDS]);
  const config = docs.find((d) => d.source === "dapr/config.yaml" && obj(d).kind === "Configuration");
  const allowed = new Map<string, Set<string>>();
  for (const s of (get(config?.doc, "spec", "secrets", "scopes") ?? []) as {
    storeName: string;
    allowedSecrets?: string[];
    defaultAccess?: string;
  }[]) {
    allowed.set(s.storeName, new Set(s.defaultAccess === "deny" ? (s.allowedSecrets ?? []) : ["*"]));
  }
  const common = docs.filter((d) => d.source.startsWith("components/common/"));
  const secretStores = new Set(
    common
      .map(obj)
      .filter((o) => o.kind === "Component" && String(get(o, "spec", "type")).startsWith("secretstores."))
      .map((o) => o.metadata.name),
  );

  const read = new Set<string>();
  for (const d of docs) {
    const o = obj(d);
    const where = `${d.source} ${o.kind}/${o.metadata?.name}`;
    for (const s of (o.scopes ?? []) as string[])
      if (!appIds.has(s)) p(where, `scope ${s} is no app id (scripts/validate/model.ts)`);
    if (o.kind === "Component" && !((o.scopes ?? []) as string[]).length)
      p(where, "no scopes: every app in the namespace would load this component");
    if (o.kind === "Subscription") {
      const topic = String(get(o, "spec", "topic"));
      if (!topic.endsWith(".dead") && !get(o, "spec", "deadLetterTopic")) p(where, "no deadLetterTopic");
      if (get(o, "spec", "pubsubname") !== "pubsub")
        p(where, "pubsubname must be `pubsub`: the name every components/pubsub/<kind> defines");
    }
    if (o.kind === "Component") {
      const store = get(o, "auth", "secretStore") as string | undefined;
      for (const m of (get(o, "spec", "metadata") ?? []) as {
        name: string;
        value?: unknown;
        secretKeyRef?: { name: string; key?: string };
      }[]) {
        if (CREDENTIAL_FIELD.test(m.name) && m.value !== undefined && m.value !== "")
          p(where, `${m.name} is written in the file; use secretKeyRef`);
        if (!m.secretKeyRef) continue;
        if (!store || !secretStores.has(store))
          p(where, `secretKeyRef without a secret store of components/common (auth.secretStore: ${store ?? "unset"})`);
        else {
          read.add(`${store}/${m.secretKeyRef.name}`);
          // The sidecar resolves component secrets without the scopes; the list is kept equal to what
          // components read, so it documents them and the secrets API serves nothing more.
          if (!allowed.get(store)?.has("*") && !allowed.get(store)?.has(m.secretKeyRef.name))
            p(where, `reads secret ${m.secretKeyRef.name}, which dapr/config.yaml does not list for ${store}`);
        }
      }
    }
  }

  // Against every component file of the repository, so a check of a few files sees all readers.
  for (const f of yamlFilesUnder(root, "components"))
    for (const { doc } of readDocs(root, f))
      for (const m of (get(doc, "spec", "metadata") ?? []) as { secretKeyRef?: { name: string } }[])
        if (m.secretKeyRef) read.add(`${String(get(doc, "auth", "secretStore"))}/${m.secretKeyRef.name}`);
  if (config)
    for (const [store, names] of allowed)
      for (const name of names)
        if (name !== "*" && !read.has(`${store}/${name}`))
          p("dapr/config.yaml", `allows secret ${name} of ${store}, which no component reads: remove it`);

  // The swap contract: every pubsub/<kind> defines `pubsub`, every state/<kind> an actor store `statestore`.
  for (const [dir, name, type] of [
    ["components/pubsub/", "pubsub", "pubsub."],
    ["components/state/", "statestore", "state."],
  ] as const) {
    const kinds = new Map<string, Obj[]>();
    for (const d of docs.filter((x) => x.source.startsWith(dir))) {
      const kind = d.source.slice(dir.length).split("/")[0]!;
      kinds.set(kind, [...(kinds.get(kind) ?? []), obj(d)]);
    }
    for (const [kind, objs] of kinds) {
      const c = objs.filter(
        (o) => o.kind === "Component" && o.metadata.name === name && String(get(o, "spec", "type")).startsWith(type),
      );
      if (c.length !== 1) p(`${dir}${kind}`, `must define exactly one ${type}* component named ${name}`);
      if (
        name === "statestore" &&
        c[0] &&
        !((get(c[0], "spec", "metadata") ?? []) as { name: string; value?: string }[]).some(
          (m) => m.name === "actorStateStore" && m.value === "true",
        )
      ) {
        p(`${dir}${kind}`, 'the state store must be the actor state store (actorStateStore: "true")');
      }
    }
  }
  if (!existsSync(join(root, "dapr/VERSION"))) p("dapr/VERSION", "missing");
  return problems;
}

/** Substitutes compose's `${VAR:-default}` / `${VAR}` with the default (or empty), as an unset shell would. */
const interpolate = (s: string) =>
  s.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _v, def: string | undefined) => def ?? "");

/** Checks inside docker-compose.yml: sidecars attached to their apps, mounts and paths that exist. */
export function checkCompose(doc: Doc, root: string, source: string): Problem[] {
  const problems: Problem[] = [];
  const p = (where: string, message: string) => problems.push({ source: `${source} ${where}`, message });
  const services = (doc.services ?? {}) as Record<
    string,
    Doc & {
      image?: string;
      command?: string[];
      network_mode?: string;
      volumes?: string[];
      environment?: Record<string, string>;
    }
  >;
  const sidecarOf = new Map<string, string>();
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const host = v.split(":")[0]!;
      if (host.startsWith(".") && !existsSync(join(root, host))) p(name, `mounts ${host}, which does not exist`);
    }
    if (s.network_mode?.startsWith("service:") && !services[s.network_mode.slice(8)])
      p(name, `network_mode names no service: ${s.network_mode}`);
    if (!interpolate(s.image ?? "").startsWith("daprio/daprd:")) continue;
    const cmd = (s.command ?? []).map(interpolate);
    const flag = (f: string) => cmd.flatMap((c, i) => (c === f ? [cmd[i + 1]!] : []));
    const appId = flag("--app-id")[0] ?? "";
    if (!DEPLOYED_APPS.some((a) => a.appId === appId)) p(name, `--app-id ${appId} is not in scripts/validate/model.ts`);
    if (s.network_mode !== `service:${appId}`)
      p(name, `sidecar of ${appId} must share its network namespace (network_mode: service:${appId})`);
    sidecarOf.set(appId, name);
    const mounts = new Map((s.volumes ?? []).map((v) => [v.split(":")[1]!, v.split(":")[0]!]));
    for (const path of [...flag("--resources-path"), ...flag("--config")]) {
      const mount = [...mounts.keys()].find((m) => path === m || path.startsWith(`${m}/`));
      if (!mount) p(name, `${path} is not inside a mounted directory`);
      else if (!existsSync(join(root, mounts.get(mount)!, path.slice(mount.length))))
        p(name, `${path} does not exist in the repository (${mounts.get(mount)}${path.slice(mount.length)})`);
    }
  }
  for (const app of DEPLOYED_APPS) {
    const s = services[app.appId];
    if (!s) {
      p(app.appId, "app missing from compose");
      continue;
    }
    if (!sidecarOf.has(app.appId)) p(app.appId, "no daprd sidecar");
    checkAppEnv(
      Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])),
      `${source} ${app.appId} environment`,
      problems,
    );
  }
  return problems;
}
