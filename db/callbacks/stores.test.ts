import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackEvent, stableEventId, type CallbackEvent } from "../../core/callbacks/events.js";
import type { Database } from "../client.js";
import { SecretBox } from "../secret-box.js";
import { openMigratedEmbedded } from "../testkit/embedded.js";
import { DeliveryStore } from "./delivery-store.js";
import { EndpointStore } from "./endpoint-store.js";

/** The endpoint and delivery stores on an in-memory PGlite with the migrations applied. */
describe("callback endpoint and delivery stores", () => {
  let db: Database;
  let endpoints: EndpointStore;
  let deliveries: DeliveryStore;
  const A = randomUUID();
  const B = randomUUID();
  const now = new Date("2026-11-27T12:00:00.000Z");
  const box = SecretBox.fromKeyRing(`k1:${Buffer.alloc(32, 7).toString("base64")}`);

  beforeAll(async () => {
    db = await openMigratedEmbedded();
    endpoints = new EndpointStore(db, box);
    deliveries = new DeliveryStore(db);
  });
  afterAll(() => db.close());

  const status = (account: string, message: string, to: string): CallbackEvent =>
    callbackEvent("message.status", {
      id: stableEventId("message.status", message, to),
      accountId: account,
      orderingKey: `message:${message}`,
      data: {
        message_id: message,
        channel_id: null,
        from_status: "sent",
        status: to,
        group_message_id: null,
        error_code: null,
      },
    });
  const create = (account: string) =>
    endpoints.create(account, { url: "https://example.com/h", description: null, eventTypes: ["message.status"] }, now);

  it("keeps the secret sealed, opens it for signing, and rotates it", async () => {
    const { row, secret } = await create(A);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.withSession((s) =>
      s.query<{ secret_ciphertext: string }>(`SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1`, [row.id]),
    );
    expect(rows[0]!.secret_ciphertext).not.toContain(secret.slice(6));
    expect((await endpoints.forSigning(row.id))!.secret).toBe(secret);
    const rotated = await endpoints.rotateSecret({ accountIds: [A] }, row.id, now);
    expect(rotated!.secret).not.toBe(secret);
    expect((await endpoints.forSigning(row.id))!.secret).toBe(rotated!.secret);
    expect(await endpoints.rotateSecret({ accountIds: [B] }, row.id, now)).toBeUndefined();
  });

  it("records an event once per endpoint, and only for an endpoint of the event's own account", async () => {
    const { row: a } = await create(A);
    const { row: b } = await create(B);
    const e = status(A, randomUUID(), "delivered");
    expect(
      await deliveries.enqueue([
        { endpointId: a.id, event: e },
        { endpointId: b.id, event: e },
      ]),
    ).toEqual(new Set([a.id]));
    expect(await deliveries.enqueue([{ endpointId: a.id, event: e }])).toEqual(new Set());
    expect(await deliveries.list(a.id, 10)).toHaveLength(1);
    expect(await deliveries.list(b.id, 10)).toHaveLength(0);
  });

  it("hands out one delivery per ordering key, oldest first, and the next once the first is settled", async () => {
    const { row: ep } = await create(A);
    const m1 = randomUUID();
    const m2 = randomUUID();
    await deliveries.enqueue(
      [status(A, m1, "sent"), status(A, m1, "delivered"), status(A, m2, "sent")].map((event) => ({
        endpointId: ep.id,
        event,
      })),
    );
    const soon = new Date(Date.now() + 1_000);
    const first = await deliveries.due(ep.id, soon, 10);
    expect(first.map((d) => (JSON.parse(d.body) as CallbackEvent).ordering_key)).toEqual([
      `message:${m1}`,
      `message:${m2}`,
    ]);
    // m1's first fails and waits an hour: its second waits behind it, and is not what is due next.
    const inAnHour = new Date(soon.getTime() + 3_600_000);
    await deliveries.record([
      {
        id: first[0]!.id,
        attemptedAt: soon,
        statusCode: 500,
        latencyMs: 3,
        errorCode: "http_error",
        next: { retryAt: inAnHour },
      },
      {
        id: first[1]!.id,
        attemptedAt: soon,
        statusCode: 200,
        latencyMs: 2,
        errorCode: null,
        next: { delivered: true },
      },
    ]);
    expect(await deliveries.due(ep.id, soon, 10)).toEqual([]);
    expect(await deliveries.nextDueAt(ep.id)).toEqual(inAnHour);
    const again = await deliveries.due(ep.id, inAnHour, 10);
    expect(again.map((d) => d.id)).toEqual([first[0]!.id]);
    expect(again[0]).toMatchObject({ attempts: 1, firstAttemptAt: soon });

    const log = await deliveries.list(ep.id, 10);
    const failed = log.find((d) => d.id === first[0]!.id)!;
    expect(failed).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, lastErrorCode: "http_error" });
    expect(failed.history).toEqual([{ attemptedAt: soon, statusCode: 500, latencyMs: 3, errorCode: "http_error" }]);
    expect(log.find((d) => d.id === first[1]!.id)).toMatchObject({ status: "delivered", deliveredAt: soon });
  });

  it("disabling an endpoint fails its pending deliveries, keeps the reason, and takes no new ones", async () => {
    const { row: ep } = await create(A);
    await deliveries.enqueue([{ endpointId: ep.id, event: status(A, randomUUID(), "sent") }]);
    await endpoints.disable(ep.id, "deliveries failed for 24 h", now);
    expect(await endpoints.get({ accountIds: [A] }, ep.id)).toMatchObject({
      enabled: false,
      disabledReason: "deliveries failed for 24 h",
    });
    expect((await deliveries.list(ep.id, 10)).map((d) => d.status)).toEqual(["failed"]);
    expect(await deliveries.enqueue([{ endpointId: ep.id, event: status(A, randomUUID(), "sent") }])).toEqual(
      new Set(),
    );
    expect((await endpoints.subscribers([A])).some((s) => s.id === ep.id)).toBe(false);
    // Enabling it again clears the reason; a retry makes a failed delivery due now.
    const back = await endpoints.update({ accountIds: [A] }, ep.id, { enabled: true }, now);
    expect(back).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const [d] = await deliveries.list(ep.id, 10);
    expect(await deliveries.retry(ep.id, d!.id, now)).toBe(true);
    expect((await deliveries.due(ep.id, now, 10)).map((x) => x.id)).toEqual([d!.id]);
  });
});
