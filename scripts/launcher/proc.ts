/**
 * A child process the launcher owns. It is started under `setpriv --pdeathsig` so the kernel
 * sends it SIGTERM if the launcher dies, even by SIGKILL: no daprd, placement or scheduler is
 * left behind. Output lines are prefixed with the process name.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface ManagedProcess {
  name: string;
  /** The command line as /proc/<pid>/cmdline shows it (NUL-separated): identifies our process. */
  cmdline: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export type LogSink = (name: string, line: string) => void;

export function consoleSink(): LogSink {
  const colors = [36, 32, 33, 35, 34, 96, 92, 93];
  const assigned = new Map<string, number>();
  return (name, line) => {
    if (!assigned.has(name)) assigned.set(name, colors[assigned.size % colors.length]!);
    const c = assigned.get(name)!;
    const prefix = process.stdout.isTTY ? `\x1b[${c}m[${name}]\x1b[0m` : `[${name}]`;
    process.stdout.write(`${prefix} ${line}\n`);
  };
}

export function fileSink(path: string): { sink: LogSink; close(): void } {
  const out: WriteStream = createWriteStream(path, { flags: "a" });
  return { sink: (name, line) => out.write(`[${name}] ${line}\n`), close: () => out.end() };
}

const hasSetpriv = ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));

export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; sink: LogSink; keepLine?: (line: string) => boolean },
): ManagedProcess {
  const [cmd, argv] = hasSetpriv ? ["setpriv", ["--pdeathsig", "SIGTERM", "--", command, ...args]] : [command, args];
  const child = spawn(cmd, argv, { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
  if (!child.pid) throw new Error(`could not start ${name} (${command})`);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (!opts.keepLine || opts.keepLine(line)) opts.sink(name, line);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("error", (err) => opts.sink(name, `spawn error: ${err.message}`));
  const pid = child.pid;
  return {
    name,
    cmdline: [command, ...args].join("\0"),
    child,
    pid,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([exited, timer])) === "timeout") {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** True if `pid` is alive and runs exactly `cmdline` (guards against pid reuse; zombies have none). */
export function isOurProcess(pid: number, cmdline: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "") === cmdline;
  } catch {
    return false;
  }
}
