/**
 * How application code hands an event to the broker. The production implementation publishes
 * through the Dapr sidecar (services/runtime/dapr-publisher.ts); a failed publish must throw, so a
 * caller never believes an event left when it did not.
 */

export interface EventPublisher {
  publish(topic: string, data: unknown, opts?: PublishOptions): Promise<void>;
  publishBulk?(topic: string, items: unknown[], opts?: PublishOptions): Promise<void>;
}

export interface PublishOptions {
  /** W3C traceparent of the request or event that caused this one. */
  traceparent?: string;
  /** Extra broker metadata (for example a priority or TTL). */
  metadata?: Record<string, string>;
}

export class PublishError extends Error {
  constructor(
    readonly topic: string,
    cause: unknown,
  ) {
    super(`publish to ${topic} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "PublishError";
  }
}
