/**
 * The simulator in a process of its own, for benchmarks and the demo.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface SimulatorProcess {
  http: string;
  smtpPort: number;
  smppPort: number;
  /** The simulator's process id (benchmarks read its CPU time or pin it to a core). */
  pid?: number;
  stop(): Promise<void>;
}

/**
 * Run the provider simulator as its own process (on 127.0.0.1; free ports unless given) so the
 * benchmark's client and the simulated provider do not share an event loop.
 */
export async function spawnSimulator(
  config: Record<string, unknown>,
  ports: { http?: number; smtp?: number; smpp?: number } = {},
): Promise<SimulatorProcess> {
  const main = fileURLToPath(new URL("./main.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", main], {
    env: {
      ...process.env,
      SIM_CONFIG: JSON.stringify(config),
      SIM_HTTP_PORT: String(ports.http ?? 0),
      SIM_SMTP_PORT: String(ports.smtp ?? 0),
      SIM_SMPP_PORT: String(ports.smpp ?? 0),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = await new Promise<{ http: string; smtpPort: number; smppPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("simulator did not start in 30 s")), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith('{"http"')) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { http: string; smtpPort: number; smppPort: number });
      }
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    ...ready,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
