/** Pure, bounded log of dead-lettered events for one dead-letter topic. */

export interface DeadLetterEntry {
  eventId: string;
  receivedAt: string;
  /** The event body, truncated so a huge poison message cannot bloat actor state. */
  data: string;
  /**
   * The account the event names (its `accountId`), read before truncation, so a tenant sees only
   * its own dead letters; null when the event names none. Absent on entries recorded before it
   * was kept, which no tenant sees.
   */
  accountId?: string | null;
  /** True when `data` was cut: such an entry can be read but not re-queued. */
  truncated?: boolean;
}

export interface DeadLetterLog {
  total: number;
  recent: DeadLetterEntry[];
}

export const MAX_RECENT = 500;
export const MAX_DATA_CHARS = 4_096;

export function emptyDeadLetterLog(): DeadLetterLog {
  return { total: 0, recent: [] };
}

function accountOf(data: unknown): string | null {
  if (typeof data !== "object" || data === null) return null;
  const id = (data as { accountId?: unknown }).accountId;
  return typeof id === "string" ? id : null;
}

export function appendDeadLetter(
  log: DeadLetterLog,
  entry: { eventId: string; data: unknown },
  now: Date,
): DeadLetterLog {
  // A redelivered dead letter must not be counted twice.
  if (log.recent.some((e) => e.eventId === entry.eventId)) return log;
  const text = typeof entry.data === "string" ? entry.data : (JSON.stringify(entry.data) ?? "null");
  const truncated = text.length > MAX_DATA_CHARS;
  const recorded: DeadLetterEntry = {
    eventId: entry.eventId,
    receivedAt: now.toISOString(),
    data: truncated ? `${text.slice(0, MAX_DATA_CHARS)}…` : text,
    accountId: accountOf(entry.data),
    truncated,
  };
  return { total: log.total + 1, recent: [...log.recent, recorded].slice(-MAX_RECENT) };
}

/**
 * The log without one entry (once it was re-queued); the total keeps counting every event that
 * was ever dead-lettered. The same log when no entry has that id.
 */
export function removeDeadLetter(log: DeadLetterLog, eventId: string): DeadLetterLog {
  const recent = log.recent.filter((e) => e.eventId !== eventId);
  return recent.length === log.recent.length ? log : { total: log.total, recent };
}
