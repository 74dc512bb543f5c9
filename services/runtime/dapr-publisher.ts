/**
 * Publishes through the sidecar. The SDK reports a failed publish as `{error}` instead of
 * throwing; we turn it into an exception so no caller mistakes a lost event for a sent one.
 *
 * Bulk publishes go to the sidecar's bulk endpoint directly: the SDK's publishBulk reports a 500
 * whose body lists the failed entries as "none failed" (it looks for `entryID`, the sidecar writes
 * `entryId`; dapr/js-sdk#703), so a webhook answered 200 on it lost its events while the broker was
 * down (the fault drill's RabbitMQ restart). Here any answer but 2xx, or a 2xx naming failed
 * entries, fails the whole batch: its callers answer 503 and the provider retries; entries that did
 * reach the broker come again as harmless duplicates (the consumers are idempotent).
 */

import { randomUUID } from "node:crypto";
import type { DaprClient } from "@dapr/dapr";
import { PublishError, type EventPublisher, type PublishOptions } from "../../core/publisher.js";

/** A bulk publish the sidecar has not answered by then is a failure the caller retries. */
const BULK_TIMEOUT_MS = 60_000;

export class DaprEventPublisher implements EventPublisher {
  constructor(
    private readonly client: DaprClient,
    private readonly pubsubName: string,
  ) {}

  async publish(topic: string, data: unknown, opts: PublishOptions = {}): Promise<void> {
    let res: { error?: Error };
    try {
      res = await this.client.pubsub.publish(this.pubsubName, topic, data as object, {
        metadata: opts.metadata,
      });
    } catch (err) {
      throw new PublishError(topic, err);
    }
    if (res?.error) throw new PublishError(topic, res.error);
  }

  async publishBulk(topic: string, items: unknown[], opts: PublishOptions = {}): Promise<void> {
    if (items.length === 0) return;
    const { daprHost, daprPort, daprApiToken } = this.client.options;
    const query = new URLSearchParams(
      Object.entries(opts.metadata ?? {}).map(([k, v]): [string, string] => [`metadata.${k}`, String(v)]),
    ).toString();
    const url = `http://${daprHost}:${daprPort}/v1.0-alpha1/publish/bulk/${encodeURIComponent(this.pubsubName)}/${encodeURIComponent(topic)}${query ? `?${query}` : ""}`;
    const entries = items.map((event) => ({ entryId: randomUUID(), event, contentType: "application/json" }));
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(daprApiToken ? { "dapr-api-token": daprApiToken } : {}) },
        body: JSON.stringify(entries),
        // The sidecar's own publish timeout and resiliency come first; this only bounds a hung call.
        signal: AbortSignal.timeout(BULK_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new PublishError(topic, err);
    }
    const failed = failedEntries(text);
    if (status >= 200 && status < 300 && failed.length === 0) return;
    const reason = failed.length > 0 ? `${failed.length} of ${items.length} entries failed: ${failed[0]}` : text;
    throw new PublishError(topic, new Error(`sidecar answered ${status}: ${reason}`));
  }
}

/** The errors of the entries a bulk publish answer lists as failed (either spelling of the id). */
function failedEntries(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { failedEntries?: { error?: unknown }[] };
    return (parsed.failedEntries ?? []).map((e) => (typeof e.error === "string" ? e.error : JSON.stringify(e.error)));
  } catch {
    return [];
  }
}
