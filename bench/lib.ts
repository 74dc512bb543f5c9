export { spawnSimulator, type SimulatorProcess } from "../services/simulator/spawn.js";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Run `total` operations with at most `concurrency` in flight; returns per-operation latencies. */
export async function drive(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<{ ms: number; latencies: number[]; errors: number }> {
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - started, latencies: latencies.sort((a, b) => a - b), errors };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const cols = Object.keys(rows[0] ?? {});
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(width(cols[i]!))).join("  ");
  process.stdout.write(
    `\n${title}\n${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join("\n")}\n`,
  );
}
