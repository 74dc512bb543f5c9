/**
 * Where the machine's CPU time went during a bench's load, and how long each process waited for a
 * CPU while it was runnable, from the kernel's own accounting: /proc/<pid>/task/<tid>/schedstat
 * (time on a CPU, time runnable on a run queue, timeslices) for every task on the machine, grouped
 * by process, and /proc/stat for the machine's busy share. A request that crosses the API, a
 * PostgreSQL backend and back waits once per wake-up for a CPU; the mean wait per timeslice of the
 * processes on its path is that wait, which no in-process histogram can see. A task that exits
 * between two snapshots (a pooled PostgreSQL connection closed when idle) takes its figures with
 * it, so a group's figures are a lower bound.
 */

import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { printTable } from "./lib.js";

interface Usage {
  cpuNs: number;
  waitNs: number;
  slices: number;
}

export interface SchedSnapshot {
  at: number;
  /** The machine's busy and total jiffies (all CPUs). */
  busy: number;
  total: number;
  groups: Map<string, Usage>;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * Sums every task's schedstat into groups: a named process (by pid, its threads included), else
 * PostgreSQL or RabbitMQ by command name, else "other".
 */
export function schedSnapshot(named: Record<string, number | undefined>): SchedSnapshot {
  const byPid = new Map(Object.entries(named).flatMap(([k, p]) => (p ? [[p, k] as const] : [])));
  const groups = new Map<string, Usage>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const comm = read(`/proc/${pid}/comm`)?.trim();
    if (comm === undefined) continue;
    const group =
      byPid.get(pid) ??
      (comm === "postgres"
        ? "postgresql"
        : comm === "beam.smp" || comm === "erl_child_setup" || comm === "epmd"
          ? "rabbitmq"
          : "other");
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    const u = groups.get(group) ?? { cpuNs: 0, waitNs: 0, slices: 0 };
    for (const tid of tasks) {
      const f = read(`/proc/${pid}/task/${tid}/schedstat`)?.trim().split(" ").map(Number);
      if (!f || f.length < 3) continue;
      u.cpuNs += f[0]!;
      u.waitNs += f[1]!;
      u.slices += f[2]!;
    }
    groups.set(group, u);
  }
  const cpu = read("/proc/stat")!.split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { at: performance.now(), busy: total - cpu[3]! - cpu[4]!, total, groups };
}

export interface SchedFigures {
  seconds: number;
  /** The machine's busy share over the window, of all its CPUs (1 = every core busy throughout). */
  busyShare: number;
  rows: Array<{ group: string; cpuSeconds: number; waitSeconds: number; slices: number; waitPerSliceMs: number }>;
}

/** What happened between two snapshots, the busiest groups first. */
export function schedBetween(a: SchedSnapshot, b: SchedSnapshot): SchedFigures {
  const rows = [...b.groups].map(([group, u]) => {
    const before = a.groups.get(group) ?? { cpuNs: 0, waitNs: 0, slices: 0 };
    const cpu = (u.cpuNs - before.cpuNs) / 1e9;
    const wait = (u.waitNs - before.waitNs) / 1e9;
    const slices = u.slices - before.slices;
    return {
      group,
      cpuSeconds: cpu,
      waitSeconds: wait,
      slices,
      waitPerSliceMs: slices > 0 ? (wait * 1000) / slices : 0,
    };
  });
  return {
    seconds: (b.at - a.at) / 1000,
    busyShare: (b.busy - a.busy) / Math.max(1, b.total - a.total),
    rows: rows.filter((r) => r.cpuSeconds > 0.005).sort((x, y) => y.cpuSeconds - x.cpuSeconds),
  };
}

export function printSched(title: string, f: SchedFigures): void {
  const n = cpus().length;
  printTable(
    `${title}: ${f.seconds.toFixed(1)} s, the machine ${(f.busyShare * 100).toFixed(0)} % busy (${n} CPUs); run-queue wait = runnable but waiting for a CPU`,
    f.rows.map((r) => ({
      process: r.group,
      "CPU s": r.cpuSeconds.toFixed(2),
      "CPU % of one core": ((r.cpuSeconds / f.seconds) * 100).toFixed(0),
      "run-queue wait s": r.waitSeconds.toFixed(2),
      timeslices: r.slices,
      "wait per slice ms": r.waitPerSliceMs.toFixed(3),
    })),
  );
}
