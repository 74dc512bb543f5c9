/**
 * Publishes through the sidecar. The SDK reports a failed publish as `{error}` instead of
 * throwing; we turn it into an exception so no caller mistakes a lost event for a sent one.
 */

import type { DaprClient } from "@dapr/dapr";
import { PublishError, type EventPublisher, type PublishOptions } from "../../core/publisher.js";

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
    let res: { failedMessages?: { error?: unknown }[] };
    try {
      res = await this.client.pubsub.publishBulk(this.pubsubName, topic, items as object[], opts.metadata);
    } catch (err) {
      throw new PublishError(topic, err);
    }
    const failed = res?.failedMessages ?? [];
    if (failed.length > 0) {
      throw new PublishError(
        topic,
        new Error(`${failed.length} of ${items.length} entries failed: ${String(failed[0]?.error)}`),
      );
    }
  }
}
