import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import type { InboundEvent } from "../../core/webhooks/events.js";
import { inboundRoutes, type InboundResult } from "./consumer.js";

const log = createLogger("test", { level: "silent" });

const event = (): InboundEvent => ({
  eventId: randomUUID(),
  channelId: randomUUID(),
  channelType: "whatsapp",
  provider: "default",
  receivedAt: new Date().toISOString(),
  message: {
    providerMessageId: "wamid-1",
    from: "+251911000001",
    to: null,
    contentType: "image",
    text: "[image]",
    receivedAt: new Date().toISOString(),
    metadata: { media: [{ ref: "m1", kind: "image", mimeType: null, filename: null }] },
  },
});

/** The status the route answers the sidecar, and how often the media fetch ran. */
async function deliver(result: InboundResult, fetch: () => Promise<unknown>): Promise<[string, number]> {
  let fetched = 0;
  const app = express().use(
    inboundRoutes({ handle: () => Promise.resolve(result) }, log, {
      fetchFor: () => {
        fetched++;
        return fetch();
      },
    }),
  );
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch_(`http://127.0.0.1:${port}/webhook-inbound`, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ id: "e1", topic: "webhook.inbound", data: event() }),
    });
    return [((await res.json()) as { status: string }).status, fetched];
  } finally {
    server.close();
  }
}
const fetch_ = globalThis.fetch;

describe("inbound route with media", () => {
  it("fetches the media of a stored message (and of a redelivered one) before acknowledging", async () => {
    expect(await deliver("stored", () => Promise.resolve([]))).toEqual(["SUCCESS", 1]);
    expect(await deliver("duplicate", () => Promise.resolve([]))).toEqual(["SUCCESS", 1]);
  });

  it("asks for redelivery when the fetch fails", async () => {
    expect(await deliver("stored", () => Promise.reject(new Error("store down")))).toEqual(["RETRY", 1]);
  });

  it("fetches nothing for a part of a long message still waiting for the others", async () => {
    expect(await deliver("part", () => Promise.resolve([]))).toEqual(["SUCCESS", 0]);
  });
});
