import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface SimulatorProcess {
  http: string;
  smtpPort: number;
  smppPort: number;
  stop(): Promise<void>;
}

/**
 * Run the provider simulator as its own process (on 127.0.0.1, free ports) so the benchmark's
 * client and the simulated provider do not share an event loop.
 */
export async function spawnSimulator(config: Record<string, unknown>): Promise<SimulatorProcess> {
  const main = fileURLToPath(new URL("../services/simulator/main.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", main], {
    env: { ...process.env, SIM_CONFIG: JSON.stringify(config), SIM_HTTP_PORT: "0", SIM_SMTP_PORT: "0", SIM_SMPP_PORT: "0", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = await new Promise<{ http: string; smtpPort: number; smppPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("simulator did not start in 30 s")), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("{\"http\"")) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { http: string; smtpPort: number; smppPort: number });
      }
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    ...ready,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Run `total` operations with at most `concurrency` in flight; returns per-operation latencies. */
export async function drive(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<{ ms: number; latencies: number[]; errors: number }> {
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
  process.stdout.write(`\n${title}\n${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join("\n")}\n`);
}
