import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./generate.js";
import { loadTools, Schemas, type Tools } from "./schemas.js";
import { render, renderWithBase, validateRepo } from "./validate.js";
import { readDocs, type Doc, type SourcedDoc } from "./yaml-io.js";
import { checkCompose, checkLocal, checkRendered } from "./consistency.js";
import YAML from "yaml";
import { lintDockerfile, loadComposeFile } from "./tool-checks.js";
import { acceptedKeys, checkComponentMetadata, contribDir } from "./contrib-metadata.js";

/** A copy of everything validation reads, to break on purpose. */
function copyRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "turumba-validate-"));
  for (const p of ["k8s", "components", "dapr", "docker-compose.yml", "Dockerfile"])
    cpSync(join(REPO_ROOT, p), join(dir, p), { recursive: true });
  return dir;
}

const clone = <T>(v: T): T => structuredClone(v);
/** A rendered object's name: exact, or with the content hash kustomize's generators append. */
const named = (d: Doc, name: string) => {
  const n = String((d.metadata as Doc).name);
  return n === name || (n.startsWith(`${name}-`) && /^[a-z0-9]{10}$/.test(n.slice(name.length + 1)));
};
const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);
const messages = (ps: { message: string }[]) => ps.map((p) => p.message);

describe("offline validation of manifests, components and compose", { timeout: 120_000 }, () => {
  let tools: Tools;
  let schemas: Schemas;
  let production: SourcedDoc[];
  const find = (kind: string, name?: string) =>
    clone(production.find((d) => d.doc.kind === kind && (!name || named(d.doc, name)))!.doc);

  beforeAll(() => {
    // First run on a machine builds kustomize and fetches schemas (cached afterwards).
    tools = loadTools();
    schemas = new Schemas(tools);
    production = render(tools, REPO_ROOT, "k8s/overlays/production");
  }, 600_000);

  it("finds every rendered overlay, component file and the compose file valid", () => {
    const { problems, checked } = validateRepo(REPO_ROOT, tools, schemas);
    expect(problems).toEqual([]);
    expect(Object.keys(checked)).toEqual(
      expect.arrayContaining([
        "k8s/base",
        "k8s/overlays/dev",
        "k8s/overlays/production",
        "k8s/components/monitoring",
        "components/pubsub/rabbitmq/pubsub.yaml",
        "components/pubsub/redis-streams/pubsub.yaml",
        "components/state/redis/statestore.yaml",
        "components/common/subscriptions.yaml",
        "dapr/config.yaml",
        "dapr/resiliency/resiliency.yaml",
        "docker-compose.yml",
      ]),
    );
    const kinds = new Set(production.map((d) => d.doc.kind));
    for (const k of [
      "Deployment",
      "Service",
      "PodDisruptionBudget",
      "Component",
      "Subscription",
      "Configuration",
      "Resiliency",
      "ScaledObject",
      "TriggerAuthentication",
    ])
      expect(kinds).toContain(k);
  });

  it("fails a copy of the repository whose Deployment has a misspelt field, through kustomize", () => {
    const dir = copyRepo();
    const file = join(dir, "k8s/base/generated/apps.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "imagePullPolicy: IfNotPresent",
        "imagePullPolicy: IfNotPresent\n          imagePullPolicyy: Always",
      ),
    );
    const { problems } = validateRepo(dir, tools, schemas);
    expect(messages(problems)).toContainEqual(expect.stringContaining('unknown field "imagePullPolicyy"'));
    // Reported for the base, both overlays and the optional component rendered on the base.
    expect(problems.filter((p) => p.message.includes("imagePullPolicyy"))).toHaveLength(4);
  });

  it("renders the optional PodMonitor on the base: the app's metrics port and the sidecar's, valid against its CRD", () => {
    const docs = renderWithBase(tools, REPO_ROOT, "k8s/components/monitoring");
    const pm = docs.find((d) => d.doc.kind === "PodMonitor")!.doc;
    expect(schemas.checkObject(pm, "test")).toEqual([]);
    const endpoints = (pm.spec as { podMetricsEndpoints: { port: string; path: string }[] }).podMetricsEndpoints;
    expect(endpoints.map((e) => `${e.port} ${e.path}`)).toEqual(["metrics /metrics", "dapr-metrics /"]);
    const broken = clone(pm);
    (broken.spec as Doc).podMetricEndpoints = (broken.spec as Doc).podMetricsEndpoints;
    expect(messages(schemas.checkObject(broken, "test")).join("\n")).toMatch(/unknown field "podMetricEndpoints"/);
  });

  it("rolls the pods when a setting changes: the ConfigMap name the Deployments read follows its content", () => {
    const configMapOf = (docs: SourcedDoc[]) =>
      JSON.stringify(docs.find((d) => d.doc.kind === "Deployment")!.doc).match(/turumba-config-[a-z0-9]{10}/)?.[0];
    const before = configMapOf(render(tools, REPO_ROOT, "k8s/overlays/dev"));
    const dir = copyRepo();
    const file = join(dir, "k8s/base/config.env");
    writeFileSync(file, readFileSync(file, "utf8").replace("ACTOR_SCAN_INTERVAL=30s", "ACTOR_SCAN_INTERVAL=20s"));
    const after = configMapOf(render(tools, dir, "k8s/overlays/dev"));
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toEqual(before);
  });

  it("checks every component's metadata keys against components-contrib, and fails a misspelt one", (ctx) => {
    const contrib = contribDir(resolve(tools.DAPR_CRDS, "../../.."));
    if (!contrib.dir) {
      console.warn(`SKIPPED: ${contrib.missing}`);
      ctx.skip();
      return;
    }
    expect(validateRepo(REPO_ROOT, tools, schemas).skipped).toEqual([]);
    const dir = copyRepo();
    const file = join(dir, "components/pubsub/rabbitmq/pubsub.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("name: prefetchCount", "name: prefetchCont"));
    const found = validateRepo(dir, tools, schemas).problems.filter((p) => p.message.includes("prefetchCont"));
    expect(found).toEqual([
      {
        source: "components/pubsub/rabbitmq/pubsub.yaml: Component/pubsub",
        message: 'pubsub.rabbitmq has no metadata key "prefetchCont" (components-contrib)',
      },
    ]);
    // The rendered cluster components are checked the same way.
    const rendered = production.map((d) => clone(d));
    const statestore = rendered.find((d) => d.doc.kind === "Component" && named(d.doc, "statestore"))!;
    ((statestore.doc.spec as Doc).metadata as Doc[]).push({ name: "cleanupIntervall", value: "1h" });
    expect(messages(checkComponentMetadata(rendered, contrib.dir, "production"))).toEqual([
      'state.postgresql has no metadata key "cleanupIntervall" (components-contrib)',
    ]);
    const keys = acceptedKeys(contrib.dir, "state.postgresql", "v1")!;
    expect(keys.has("connectionString") && keys.has("actorStateStore")).toBe(true);
    expect(acceptedKeys(contrib.dir, "pubsub.rabbitmqq", "v1")).toBeUndefined();
    // bindings.aws.s3 takes its credentials from the built-in AWS profile its metadata.yaml only names.
    const s3 = acceptedKeys(contrib.dir, "bindings.aws.s3", "v1")!;
    expect(["region", "accessKey", "secretKey", "endpoint", "forcePathStyle"].every((k) => s3.has(k))).toBe(true);
    expect(s3.has("secretkey")).toBe(false);
  });

  it("fails a copy whose component file has a field Dapr does not know", () => {
    const dir = copyRepo();
    const file = join(dir, "components/pubsub/redis-streams/pubsub.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("  version: v1", "  versoin: v1"));
    const { problems } = validateRepo(dir, tools, schemas);
    expect(problems).toContainEqual({
      source: "components/pubsub/redis-streams/pubsub.yaml Component/pubsub",
      message: '/spec: unknown field "versoin"',
    });
  });

  const schemaCases: [string, () => Doc, RegExp][] = [
    [
      "a Dapr Component field",
      () => ({ ...find("Component", "pubsub"), spec: { ...(find("Component", "pubsub").spec as Doc), metadataa: [] } }),
      /unknown field "metadataa"/,
    ],
    [
      "a Subscription field",
      () => {
        const s = find("Subscription");
        (s.spec as Doc).deadLetterTopik = "x";
        return s;
      },
      /unknown field "deadLetterTopik"/,
    ],
    [
      "a retry setting Dapr ignores (initialInterval)",
      () => {
        const r = find("Resiliency");
        ((r.spec as Doc).policies as { retries: Record<string, Doc> }).retries.publishRetry!.initialInterval = "1s";
        return r;
      },
      /unknown field "initialInterval"/,
    ],
    [
      "a tracing exporter without its endpoint",
      () => {
        const c = find("Configuration");
        delete ((c.spec as Doc).tracing as { otel: Doc }).otel.endpointAddress;
        return c;
      },
      /must have required property 'endpointAddress'/,
    ],
    [
      "a KEDA trigger field",
      () => {
        const s = find("ScaledObject");
        ((s.spec as Doc).triggers as Doc[])[0]!.metdata = {};
        return s;
      },
      /unknown field "metdata"/,
    ],
    [
      "a wrongly typed Service port",
      () => {
        const s = find("Service");
        ((s.spec as Doc).ports as Doc[])[0]!.port = "eighty";
        return s;
      },
      /must be integer/,
    ],
    [
      "a PodDisruptionBudget field",
      () => {
        const b = find("PodDisruptionBudget");
        (b.spec as Doc).maxUnavailabel = 1;
        return b;
      },
      /unknown field "maxUnavailabel"/,
    ],
    [
      "an unknown kind",
      () => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
      /no schema for Widget/,
    ],
  ];
  it.each(schemaCases)("rejects %s", (_name, make, expected) => {
    expect(messages(schemas.checkObject(make(), "test")).join("\n")).toMatch(expected);
  });

  it("loads the compose file with compose-go and fails one whose service depends on a missing one", () => {
    expect(loadComposeFile(tools, REPO_ROOT, "docker-compose.yml")).toEqual([]);
    const dir = copyRepo();
    const file = join(dir, "docker-compose.yml");
    const doc = YAML.parse(readFileSync(file, "utf8")) as { services: Record<string, Doc> };
    doc.services["messaging-api"]!.depends_on = { postgress: { condition: "service_healthy" } };
    writeFileSync(file, YAML.stringify(doc));
    // The schema has no view of references between services; the loader refuses it.
    expect(schemas.checkCompose(doc, "docker-compose.yml")).toEqual([]);
    expect(messages(loadComposeFile(tools, dir, "docker-compose.yml")).join("\n")).toMatch(/postgress/);
  });

  it("lints the Dockerfile with hadolint and fails one that breaks a rule", () => {
    expect(lintDockerfile(tools, REPO_ROOT)).toEqual([]);
    const dir = copyRepo();
    const file = join(dir, "Dockerfile");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^(FROM .*)$/m, "$1\nMAINTAINER someone"));
    expect(messages(lintDockerfile(tools, dir)).join("\n")).toMatch(/DL4000/);
  });

  it("rejects a compose file that breaks the Compose specification", () => {
    const [compose] = readDocs(REPO_ROOT, "docker-compose.yml");
    const doc = clone(compose!.doc);
    (doc.services as Record<string, Doc>).postgres!.restartt = "always";
    expect(messages(schemas.checkCompose(doc, "docker-compose.yml")).join("\n")).toMatch(/unknown field "restartt"/);
  });

  const replace = (kind: string, name: string | undefined, change: (d: Doc) => Doc | undefined) =>
    production.flatMap((d) =>
      d.doc.kind === kind && (!name || named(d.doc, name))
        ? [change(clone(d.doc))].filter((x): x is Doc => !!x).map((doc) => ({ ...d, doc }))
        : [d],
    );

  const renderedCases: [string, () => SourcedDoc[], RegExp][] = [
    [
      "a committed Secret",
      () => [
        ...production,
        {
          source: "t",
          index: 0,
          doc: { apiVersion: "v1", kind: "Secret", metadata: { name: "turumba-app" }, data: {} },
        },
      ],
      /never committed/,
    ],
    [
      "a subscription scoped to an app that is not deployed",
      () => replace("Subscription", "dispatch-sms", (s) => ({ ...s, scopes: ["dispatcher", "sms-worker"] })),
      /scope sms-worker is no deployed app id/,
    ],
    [
      "a scaler on a queue the broker will never declare",
      () =>
        replace("ScaledObject", undefined, (s) => {
          ((s.spec as Doc).triggers as { metadata: Doc }[])[0]!.metadata.queueName = "message.dispatch.sms";
          return s;
        }),
      /not \{appId\}-\{topic\}/,
    ],
    [
      "a RabbitMQ trigger that counts in-flight messages",
      () =>
        replace("ScaledObject", undefined, (s) => {
          delete ((s.spec as Doc).triggers as { metadata: Doc }[])[0]!.metadata.excludeUnacknowledged;
          return s;
        }),
      /counts unacknowledged \(in-flight\) messages/,
    ],
    [
      "a dispatcher scaled on nudges alone, not on the queued rows",
      () =>
        replace("ScaledObject", undefined, (s) => {
          (s.spec as Doc).triggers = ((s.spec as Doc).triggers as Doc[]).filter((t) => t.type !== "postgresql");
          return s;
        }),
      /no PostgreSQL trigger on the due queued rows/,
    ],
    [
      "a namespace without a default-deny NetworkPolicy",
      () => replace("NetworkPolicy", "default-deny", () => undefined),
      /no default-deny NetworkPolicy/,
    ],
    [
      "an API port open to every namespace",
      () =>
        replace("NetworkPolicy", "messaging-api-ingress", (np) => {
          delete ((np.spec as Doc).ingress as Doc[])[0]!.from;
          return np;
        }),
      /the API port is open to every namespace/,
    ],
    [
      "metrics reachable from outside the monitoring namespace",
      () =>
        replace("NetworkPolicy", "dispatcher-ingress", (np) => {
          delete ((np.spec as Doc).ingress as Doc[]).at(-1)!.from;
          return np;
        }),
      /metrics port 9464 is open beyond monitoring/,
    ],
    [
      "/metrics on the public API port",
      () =>
        replace("Deployment", "messaging-api", (d) => {
          const app = (get(d, "spec", "template", "spec", "containers") as { env: { name: string }[] }[])[0]!;
          app.env = app.env.filter((e) => e.name !== "METRICS_PORT");
          return d;
        }),
      /\/metrics is served on the app's port/,
    ],
    [
      "provider ports open to the cluster's own addresses",
      () =>
        replace("NetworkPolicy", "turumba-egress", (np) => {
          delete (((np.spec as Doc).egress as Doc[]).at(-1)!.to as { ipBlock: Doc }[])[0]!.ipBlock.except;
          return np;
        }),
      /provider port 2775 is open to cluster addresses/,
    ],
    [
      "sidecars cut off from the Dapr control plane",
      () =>
        replace("NetworkPolicy", "turumba-egress", (np) => {
          (np.spec as Doc).egress = ((np.spec as Doc).egress as Doc[]).slice(1);
          return np;
        }),
      /egress to the Dapr control plane on TCP 50005 is closed/,
    ],
    [
      "a setting the app does not have",
      () =>
        replace("ConfigMap", "turumba-config", (c) => ({
          ...c,
          data: { ...(c.data as Doc), ACTOR_IDLE_TIMOUT: "1h" },
        })),
      /ACTOR_IDLE_TIMOUT is not a setting of core\/config.ts/,
    ],
    [
      "a setting with a value the app refuses",
      () => replace("ConfigMap", "turumba-config", (c) => ({ ...c, data: { ...(c.data as Doc), LOG_LEVEL: "loud" } })),
      /LOG_LEVEL/,
    ],
    [
      "an app stopped before its actors drained",
      () =>
        replace("ConfigMap", "turumba-config", (c) => ({
          ...c,
          data: { ...(c.data as Doc), ACTOR_DRAIN_TIMEOUT: "90s" },
        })),
      /actors could not drain/,
    ],
    [
      "an actor drain longer than placement's dissemination deadline",
      () =>
        replace("ConfigMap", "turumba-config", (c) => ({
          ...c,
          data: { ...(c.data as Doc), ACTOR_DRAIN_TIMEOUT: "20s" },
        })),
      /not under placement's dissemination timeout/,
    ],
    [
      "a Deployment without its PodDisruptionBudget",
      () => replace("PodDisruptionBudget", "dispatcher", () => undefined),
      /no PodDisruptionBudget/,
    ],
    [
      "an autoscaled Deployment that sets replicas",
      () => replace("Deployment", "dispatcher", (d) => ({ ...d, spec: { ...(d.spec as Doc), replicas: 3 } })),
      /sets replicas \(3\) though autoscaled/,
    ],
    [
      "a PodDisruptionBudget that allows no drain at the autoscaler's minimum",
      () =>
        replace("PodDisruptionBudget", "messaging-api", (b) => ({
          ...b,
          spec: { minAvailable: 2, selector: (b.spec as Doc).selector },
        })),
      /allows no disruption at the autoscaler's minimum of 2 pods/,
    ],
    [
      "a ConfigMap whose name carries no content hash",
      () =>
        replace("ConfigMap", "turumba-config", (c) => ({ ...c, metadata: { name: "turumba-config" } })).map((d) =>
          d.doc.kind === "Deployment"
            ? {
                ...d,
                doc: JSON.parse(
                  JSON.stringify(d.doc).replace(/"turumba-config-[a-z0-9]{10}"/, '"turumba-config"'),
                ) as Doc,
              }
            : d,
        ),
      /ConfigMap turumba-config has no content hash .* edits would not roll the pods/,
    ],
    [
      "a Deployment without the recommended version label",
      () =>
        replace("Deployment", "dispatcher", (d) => {
          delete (d.metadata as { labels: Doc }).labels["app.kubernetes.io/version"];
          return d;
        }),
      /labels lack the recommended app.kubernetes.io\/version/,
    ],
    [
      "an API sidecar that stops before the API's last requests",
      () =>
        replace("Deployment", "messaging-api", (d) => {
          const tpl = (d.spec as Doc).template as { metadata: { annotations: Doc } };
          delete tpl.metadata.annotations["dapr.io/block-shutdown-duration"];
          return d;
        }),
      /block-shutdown-duration 0s is shorter than preStop 5s \+ SHUTDOWN_GRACE_MS 10s/,
    ],
    [
      "a component every app in the namespace would load",
      () =>
        replace("Component", "statestore", (c) => {
          delete c.scopes;
          return c;
        }),
      /no scopes: every app in the namespace would load it/,
    ],
    [
      "queue-depth scalers on a broker that is not RabbitMQ",
      () => replace("Component", "pubsub", (c) => ({ ...c, spec: { ...(c.spec as Doc), type: "pubsub.redis" } })),
      /leave components\/keda-dispatch out/,
    ],
    [
      "a password written into a component",
      () =>
        replace("Component", "statestore", (c) => {
          ((c.spec as Doc).metadata as Doc[]).push({ name: "password", value: "hunter2" });
          return c;
        }),
      /written in the manifest/,
    ],
  ];
  it.each(renderedCases)("rejects %s", (_name, make, expected) => {
    expect(messages(checkRendered(make(), "test")).join("\n")).toMatch(expected);
  });

  it("rejects a component that reads a secret dapr/config.yaml does not allow", () => {
    const local = [
      "components/state/redis/statestore.yaml",
      "components/common/envsecrets.yaml",
      "dapr/config.yaml",
    ].flatMap((f) => readDocs(REPO_ROOT, f));
    expect(checkLocal(local, REPO_ROOT)).toEqual([]);
    const meta = (local[0]!.doc.spec as Doc).metadata as Doc[];
    meta.push({ name: "redisPassword", secretKeyRef: { name: "REDIS_PASSWORD", key: "REDIS_PASSWORD" } });
    expect(messages(checkLocal(local, REPO_ROOT)).join("\n")).toMatch(
      /reads secret REDIS_PASSWORD, which dapr\/config.yaml does not list/,
    );
  });

  it("rejects a component without scopes and an allowed secret no component reads", () => {
    const local = [
      "components/pubsub/rabbitmq/pubsub.yaml",
      "components/state/postgresql/statestore.yaml",
      "components/state/redis/statestore.yaml",
      "components/state/sqlite/statestore.yaml",
      "components/common/envsecrets.yaml",
      "dapr/config.yaml",
    ].flatMap((f) => readDocs(REPO_ROOT, f));
    expect(checkLocal(local, REPO_ROOT)).toEqual([]);
    delete local[0]!.doc.scopes;
    const allowed = get(local.at(-1)!.doc, "spec", "secrets", "scopes", 0, "allowedSecrets") as string[];
    allowed.push("CREDENTIALS_KEY");
    const found = messages(checkLocal(local, REPO_ROOT)).join("\n");
    expect(found).toMatch(/no scopes: every app in the namespace would load this component/);
    expect(found).toMatch(/allows secret CREDENTIALS_KEY of envsecrets, which no component reads/);
  });

  it("rejects a compose sidecar outside its app's network namespace", () => {
    const [compose] = readDocs(REPO_ROOT, "docker-compose.yml");
    const doc = clone(compose!.doc);
    expect(checkCompose(doc, REPO_ROOT, "compose")).toEqual([]);
    (doc.services as Record<string, Doc>)["dispatcher-dapr"]!.network_mode = "service:messaging-api";
    expect(messages(checkCompose(doc, REPO_ROOT, "compose")).join("\n")).toMatch(/must share its network namespace/);
  });
});
