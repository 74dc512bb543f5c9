/**
 * Dead letters as the API sees them: the topics whose poison events are kept (every subscription
 * in components/ names a dead-letter topic, `<topic>.dead`, and the DeadLetterActor of `<topic>`
 * keeps its log), and the store the API reads them from and forgets a re-queued one in.
 */

/** Every subscribed topic; a unit test holds this list to the subscriptions in components/. */
export const DEAD_LETTER_TOPICS = [
  "pipeline.probe",
  "channel.updated",
  "message.dispatch.sms",
  "message.dispatch.smpp",
  "message.dispatch.telegram",
  "message.dispatch.whatsapp",
  "message.dispatch.messenger",
  "message.dispatch.email",
  "message.status",
  "group_message.queued",
  "group_message.cancelled",
  "scheduled_message.created",
  "scheduled_message.updated",
  "scheduled_message.cancelled",
  "scheduled_message.paused",
  "scheduled_message.resumed",
  "webhook.inbound",
  "callback.event",
] as const;
export type DeadLetterTopic = (typeof DEAD_LETTER_TOPICS)[number];

/** One kept poison event (the DeadLetterActor's log entry). */
export interface DeadLetterRecord {
  eventId: string;
  receivedAt: string;
  /** The event as JSON text, cut after a few kilobytes. */
  data: string;
  /** The account the event names; null or absent when it names none (no tenant sees it). */
  accountId?: string | null;
  /** True when `data` was cut; absent on entries recorded before this was kept. */
  truncated?: boolean;
}

export interface DeadLetterStore {
  /** A topic's kept poison events, oldest first. */
  list(topic: DeadLetterTopic): Promise<{ total: number; recent: DeadLetterRecord[] }>;
  /** Forgets one (after it was re-queued); false when the topic's log did not hold it. */
  remove(topic: DeadLetterTopic, eventId: string): Promise<boolean>;
}
