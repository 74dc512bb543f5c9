/**
 * The faults the drill injects, in the order it injects them, and which of them `npm test` runs
 * (the ones that prove the most per minute). How each is injected lives with the stack
 * (test/integration/dispatch/drill.ts); this table is what the drill and its test agree on.
 */

export const FAULT_KEYS = [
  "dispatcher-kill",
  "daprd-kill",
  "placement-kill",
  "scheduler-kill",
  "rabbitmq-app",
  "rabbitmq-service",
  "postgres-restart",
  "smsc-bind-drop",
  "provider-storm",
] as const;
export type FaultKey = (typeof FAULT_KEYS)[number];

export interface FaultSpec {
  key: FaultKey;
  /** The row's name in the table. */
  name: string;
  /** A dispatcher replica dies: its actors must be placed on the survivor. */
  replicaKill: boolean;
  /** Part of the drill's core that `npm test` runs. */
  core: boolean;
}

export const FAULTS: readonly FaultSpec[] = [
  { key: "dispatcher-kill", name: "dispatcher app SIGKILL", replicaKill: true, core: true },
  { key: "daprd-kill", name: "dispatcher daprd SIGKILL", replicaKill: true, core: true },
  { key: "placement-kill", name: "placement SIGKILL", replicaKill: false, core: true },
  { key: "scheduler-kill", name: "scheduler SIGKILL (reminder due)", replicaKill: false, core: false },
  { key: "rabbitmq-app", name: "RabbitMQ stop_app/start_app", replicaKill: false, core: true },
  { key: "rabbitmq-service", name: "RabbitMQ node restart", replicaKill: false, core: false },
  { key: "postgres-restart", name: "PostgreSQL restart -m fast", replicaKill: false, core: true },
  { key: "smsc-bind-drop", name: "SMSC drops the bind", replicaKill: false, core: true },
  { key: "provider-storm", name: "provider storm 60 s", replicaKill: false, core: false },
];

/** The faults a comma-separated list names (all of them for undefined or "all"), in drill order. */
export function selectFaults(list: string | undefined): FaultSpec[] {
  if (list === undefined || list === "all") return [...FAULTS];
  if (list === "core") return FAULTS.filter((f) => f.core);
  const wanted = list.split(",").map((s) => s.trim());
  const unknown = wanted.filter((k) => !FAULTS.some((f) => f.key === k));
  if (unknown.length > 0) throw new Error(`unknown fault ${unknown.join(", ")} (known: ${FAULT_KEYS.join(", ")})`);
  return FAULTS.filter((f) => wanted.includes(f.key));
}
