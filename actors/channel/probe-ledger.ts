/**
 * Pure bookkeeping of probe deliveries for one channel actor.
 */

/**
 * `attempts` counts every delivery the actor saw; `deliveries` counts the ones that succeeded,
 * which must be exactly one per probe.
 */
export interface ProbeEntry {
  /** When the API published the probe (from the event), for end-to-end latency. */
  sentAt?: string;
  attempts: number;
  deliveries: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface ProbeLedger {
  probes: Record<string, ProbeEntry>;
  reminders: Record<string, string[]>;
}

/** The ledger is bounded so a long-lived actor's state cannot grow without end. */
export const MAX_PROBES = 2_000;

export function emptyLedger(): ProbeLedger {
  return { probes: {}, reminders: {} };
}

export type DeliveryOutcome = "recorded" | "simulated_failure";

export function applyProbeDelivery(
  ledger: ProbeLedger,
  probe: { probeId: string; failTimes: number; sentAt?: string },
  now: Date,
): { ledger: ProbeLedger; outcome: DeliveryOutcome } {
  const at = now.toISOString();
  const prev = ledger.probes[probe.probeId] ?? {
    sentAt: probe.sentAt,
    attempts: 0,
    deliveries: 0,
    firstSeenAt: at,
    lastSeenAt: at,
  };
  const attempts = prev.attempts + 1;
  const fail = attempts <= probe.failTimes;
  const entry: ProbeEntry = { ...prev, attempts, lastSeenAt: at, deliveries: prev.deliveries + (fail ? 0 : 1) };
  const probes = { ...ledger.probes, [probe.probeId]: entry };
  const ids = Object.keys(probes);
  if (ids.length > MAX_PROBES) {
    ids.sort((a, b) => probes[a]!.lastSeenAt.localeCompare(probes[b]!.lastSeenAt));
    for (const id of ids.slice(0, ids.length - MAX_PROBES)) delete probes[id];
  }
  return { ledger: { ...ledger, probes }, outcome: fail ? "simulated_failure" : "recorded" };
}

export function applyReminderFired(ledger: ProbeLedger, name: string, now: Date): ProbeLedger {
  const fired = [...(ledger.reminders[name] ?? []), now.toISOString()].slice(-50);
  return { ...ledger, reminders: { ...ledger.reminders, [name]: fired } };
}
