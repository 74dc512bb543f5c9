/**
 * Status vocabularies and the transitions allowed between
 * them. The tables are data so the API, the dispatcher and the database CHECK constraints all
 * read one list; `canTransition` is the only place the rules live.
 */

export const MESSAGE_STATUSES = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "cancelled",
  "skipped",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_DIRECTIONS = ["outbound", "inbound", "system"] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

export const GROUP_MESSAGE_STATUSES = [
  "draft",
  "queued",
  "processing",
  "paused",
  "completed",
  "partially_failed",
  "failed",
  "cancelled",
] as const;
export type GroupMessageStatus = (typeof GROUP_MESSAGE_STATUSES)[number];

export const SCHEDULED_MESSAGE_STATUSES = [
  "pending",
  "triggered",
  "completed",
  "failed",
  "cancelled",
  "paused",
] as const;
export type ScheduledMessageStatus = (typeof SCHEDULED_MESSAGE_STATUSES)[number];

export const CHANNEL_STATUSES = ["active", "paused", "draining", "disabled", "error"] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export const FALLBACK_STRATEGIES = ["keep", "use_default", "skip"] as const;
export type FallbackStrategy = (typeof FALLBACK_STRATEGIES)[number];

export const SEND_TYPES = ["single", "group"] as const;

export const CONVERSATION_STATUSES = ["open", "closed"] as const;

type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Message lifecycle. `sending → queued` is a retry after a transient failure; `sent → failed`
 * is a delivery receipt reporting failure. read, failed, cancelled and skipped are final.
 * Delivery receipts apply exactly these transitions (receipt-rules.ts has no table of its own).
 */
export const MESSAGE_TRANSITIONS: Transitions<MessageStatus> = {
  queued: ["sending", "cancelled", "skipped", "failed"],
  sending: ["sent", "failed", "queued"],
  sent: ["delivered", "read", "failed"],
  delivered: ["read"],
  read: [],
  failed: [],
  cancelled: [],
  skipped: [],
};

/**
 * Group messages: cancelling is allowed while draft, queued, processing or paused; finished ones
 * stay finished. A paused campaign resumes by going back to queued.
 */
export const GROUP_MESSAGE_TRANSITIONS: Transitions<GroupMessageStatus> = {
  draft: ["queued", "cancelled"],
  queued: ["processing", "paused", "cancelled", "failed"],
  processing: ["completed", "partially_failed", "failed", "paused", "cancelled"],
  paused: ["queued", "cancelled"],
  completed: [],
  partially_failed: [],
  failed: [],
  cancelled: [],
};

/** Recurring schedules go back to pending after each trigger; paused ones resume to pending. */
export const SCHEDULED_MESSAGE_TRANSITIONS: Transitions<ScheduledMessageStatus> = {
  pending: ["triggered", "paused", "cancelled"],
  triggered: ["pending", "completed", "failed"],
  paused: ["pending", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

/** `error` is entered by the pipeline (credentials refused, bind lost); operators leave it. */
export const CHANNEL_TRANSITIONS: Transitions<ChannelStatus> = {
  active: ["paused", "draining", "disabled", "error"],
  paused: ["active", "draining", "disabled", "error"],
  draining: ["paused", "disabled", "active"],
  disabled: ["active"],
  error: ["active", "paused", "disabled"],
};

/**
 * The subset of each lifecycle a client may request through the REST API; the rest belongs to
 * the dispatch pipeline. Keys are target statuses.
 */
export const CLIENT_SETTABLE = {
  message: ["cancelled"] as readonly MessageStatus[],
  groupMessage: ["queued", "paused", "cancelled"] as readonly GroupMessageStatus[],
  scheduledMessage: ["pending", "paused", "cancelled"] as readonly ScheduledMessageStatus[],
  channel: ["active", "paused", "draining", "disabled"] as readonly ChannelStatus[],
};

export function canTransition<S extends string>(table: Transitions<S>, from: S, to: S): boolean {
  return table[from]?.includes(to) ?? false;
}
