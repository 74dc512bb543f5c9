import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CommunicationProtocolEnum, DaprClient, LogLevel } from "@dapr/dapr";
import { afterEach, describe, expect, it } from "vitest";
import { DaprEventPublisher } from "./dapr-publisher.js";

/**
 * Bulk publishes against a fake sidecar. The SDK's publishBulk reports a sidecar's 500 whose body
 * lists the failed entries as "no entry failed" (dapr/js-sdk#703: it matches `entryID`, the sidecar
 * writes `entryId`), so a webhook answered 200 on it lost its event during a broker outage.
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

interface Seen {
  url: string;
  token: string | undefined;
  body: { entryId: string; event: unknown; contentType: string }[];
}

async function sidecar(answer: (seen: Seen) => [number, unknown]): Promise<{ client: DaprClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // The SDK waits for the sidecar's health before its first call.
      if ((req.url ?? "").startsWith("/v1.0/healthz")) return void res.writeHead(204).end();
      const s: Seen = {
        url: req.url ?? "",
        token: req.headers["dapr-api-token"] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "[]") as Seen["body"],
      };
      seen.push(s);
      const [status, body] = answer(s);
      res.writeHead(status, { "content-type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  const client = new DaprClient({
    daprHost: "127.0.0.1",
    daprPort: String((server.address() as AddressInfo).port),
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    daprApiToken: "sidecar-token",
    logger: { level: LogLevel.Error },
  });
  return { client, seen };
}

describe("bulk publish through the sidecar", () => {
  it("fails when the sidecar answers 500 listing every entry as failed", async () => {
    const { client } = await sidecar((s) => [
      500,
      {
        errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE",
        failedEntries: s.body.map((e) => ({ entryId: e.entryId, error: "circuit breaker is open" })),
      },
    ]);
    const publisher = new DaprEventPublisher(client, "pubsub");
    await expect(publisher.publishBulk("webhook.inbound", [{ n: 1 }, { n: 2 }])).rejects.toThrow(
      /circuit breaker is open/,
    );
  });

  it("fails when the sidecar answers 500 with a plain error, and when some entries failed", async () => {
    const plain = await sidecar(() => [500, { errorCode: "ERR_PUBSUB_NOT_FOUND", message: "pubsub not found" }]);
    await expect(new DaprEventPublisher(plain.client, "pubsub").publishBulk("t", [{ n: 1 }])).rejects.toThrow(/500/);
    await new Promise<void>((r) => server!.close(() => r()));
    const partial = await sidecar((s) => [
      500,
      { errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE", failedEntries: [{ entryId: s.body[1]!.entryId, error: "nack" }] },
    ]);
    await expect(
      new DaprEventPublisher(partial.client, "pubsub").publishBulk("t", [{ n: 1 }, { n: 2 }]),
    ).rejects.toThrow(/1 of 2 entries failed: nack/);
  });

  it("succeeds on 204, sending each event as JSON with the API token and the metadata", async () => {
    const { client, seen } = await sidecar(() => [204, undefined]);
    await new DaprEventPublisher(client, "pubsub").publishBulk("webhook.inbound", [{ n: 1 }, { n: 2 }], {
      metadata: { ttlInSeconds: "60" },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe("/v1.0-alpha1/publish/bulk/pubsub/webhook.inbound?metadata.ttlInSeconds=60");
    expect(seen[0]!.token).toBe("sidecar-token");
    expect(seen[0]!.body.map((e) => [e.event, e.contentType])).toEqual([
      [{ n: 1 }, "application/json"],
      [{ n: 2 }, "application/json"],
    ]);
    expect(new Set(seen[0]!.body.map((e) => e.entryId)).size).toBe(2);
  });
});
