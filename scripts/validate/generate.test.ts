import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { drift, generatedFiles, REPO_ROOT } from "./generate.js";

describe("generated deployment files", { timeout: 60_000 }, () => {
  it("are what the generator makes from the model and the component files (run generate.ts when this fails)", () => {
    expect(drift(REPO_ROOT)).toEqual([]);
  });

  it("pick up a new dispatch subscription with no other edit: Kubernetes Subscription and KEDA trigger", () => {
    const dir = mkdtempSync(join(tmpdir(), "turumba-generate-"));
    for (const p of ["k8s", "components", "dapr", "docker-compose.yml", "Dockerfile"])
      cpSync(join(REPO_ROOT, p), join(dir, p), { recursive: true });
    const subs = join(dir, "components/common/subscriptions.yaml");
    const added = {
      apiVersion: "dapr.io/v2alpha1",
      kind: "Subscription",
      metadata: { name: "dispatch-rcs" },
      spec: {
        pubsubname: "pubsub",
        topic: "message.dispatch.rcs",
        routes: { default: "/events/dispatch" },
        deadLetterTopic: "message.dispatch.rcs.dead",
      },
      scopes: ["dispatcher", "turumba"],
    };
    writeFileSync(subs, `${readFileSync(subs, "utf8")}\n---\n${YAML.stringify(added)}`);

    expect(drift(dir).sort()).toEqual([
      "k8s/base/generated/dapr-subscriptions.yaml",
      "k8s/components/keda-dispatch/scaledobjects.yaml",
    ]);
    const files = generatedFiles(dir);
    const sub = YAML.parseAllDocuments(files["k8s/base/generated/dapr-subscriptions.yaml"]!)
      .map((d) => d.toJS() as { metadata: { name: string }; scopes: string[] })
      .find((s) => s.metadata.name === "dispatch-rcs");
    // The embedded-only app id is dropped: only deployed apps are scopes on the cluster.
    expect(sub?.scopes).toEqual(["dispatcher"]);
    expect(files["k8s/components/keda-dispatch/scaledobjects.yaml"]).toContain(
      "queueName: dispatcher-message.dispatch.rcs",
    );
  });

  it("carry the RabbitMQ durability settings of components/pubsub/rabbitmq into the cluster, secrets by reference", () => {
    const local = YAML.parse(readFileSync(join(REPO_ROOT, "components/pubsub/rabbitmq/pubsub.yaml"), "utf8")) as {
      spec: { metadata: { name: string; value?: string }[] };
    };
    const cluster = YAML.parseAllDocuments(generatedFiles(REPO_ROOT)["k8s/base/generated/dapr-components.yaml"]!)
      .map(
        (d) =>
          d.toJS() as {
            metadata: { name: string };
            spec: { type: string; metadata: { name: string; value?: string; secretKeyRef?: unknown }[] };
            auth?: unknown;
          },
      )
      .find((c) => c.spec.type === "pubsub.rabbitmq")!;
    const values = (items: { name: string; value?: string }[]) =>
      Object.fromEntries(items.filter((m) => m.value !== undefined).map((m) => [m.name, m.value]));
    expect(values(cluster.spec.metadata)).toEqual(values(local.spec.metadata));
    expect(values(cluster.spec.metadata)).toMatchObject({
      durable: "true",
      deletedWhenUnused: "false",
      deliveryMode: "2",
      publisherConfirm: "true",
      enableDeadLetter: "true",
    });
    expect(cluster.spec.metadata.find((m) => m.name === "connectionString")).toEqual({
      name: "connectionString",
      secretKeyRef: { name: "turumba-dapr-components", key: "AMQP_URL" },
    });
    expect(cluster.auth).toEqual({ secretStore: "kubernetes-secrets" });
  });
});
