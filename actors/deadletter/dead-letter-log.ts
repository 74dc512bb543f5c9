/** Pure, bounded log of dead-lettered events for one dead-letter topic. */

export interface DeadLetterEntry {
  eventId: string;
  receivedAt: string;
  /** The event body, truncated so a huge poison message cannot bloat actor state. */
  data: string;
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

export function appendDeadLetter(
  log: DeadLetterLog,
  entry: { eventId: string; data: unknown },
  now: Date,
): DeadLetterLog {
  // A redelivered dead letter must not be counted twice.
  if (log.recent.some((e) => e.eventId === entry.eventId)) return log;
  const text = typeof entry.data === "string" ? entry.data : (JSON.stringify(entry.data) ?? "null");
  const recorded: DeadLetterEntry = {
    eventId: entry.eventId,
    receivedAt: now.toISOString(),
    data: text.length > MAX_DATA_CHARS ? `${text.slice(0, MAX_DATA_CHARS)}…` : text,
  };
  return { total: log.total + 1, recent: [...log.recent, recorded].slice(-MAX_RECENT) };
}
