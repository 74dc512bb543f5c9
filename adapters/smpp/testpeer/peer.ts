/**
 * Test support: the SMPP tests run against an SMSC written apart from the smpp package (smsc.py), so
 * they never check the library against itself.
 */

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface PeerStats {
  binds: number;
  submits: number;
  submit_resp_errors: number;
  receipts_sent: number;
  deliver_sm_resp: number;
  enquire_links: number;
  unbinds: number;
  max_outstanding: number;
  messages: Array<{ to: string; text: string; parts: number; data_coding: number }>;
}

/**
 * Drives the independent Python SMSC (smsc.py, standard library only) as a child process:
 * it listens on 127.0.0.1 on a free port and takes JSON commands on stdin.
 */
export class PythonSmsc {
  port = 0;
  private readonly lineWaiters: Array<{ prefix: string; resolve: (line: string) => void }> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const i = this.lineWaiters.findIndex((w) => line.startsWith(w.prefix));
      if (i >= 0) this.lineWaiters.splice(i, 1)[0]!.resolve(line);
    });
  }

  static async start(systemId = "turumba", password = "secret12"): Promise<PythonSmsc> {
    const script = fileURLToPath(new URL("./smsc.py", import.meta.url));
    const child = spawn("python3", [script, systemId, password], { stdio: ["pipe", "pipe", "pipe"] });
    const peer = new PythonSmsc(child);
    const ready = await Promise.race([
      peer.next("READY "),
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error("python SMSC did not start")), 10_000)),
    ]);
    peer.port = Number(ready.split(" ")[1]);
    return peer;
  }

  private next(prefix: string): Promise<string> {
    return new Promise((resolve) => this.lineWaiters.push({ prefix, resolve }));
  }

  private command(cmd: Record<string, unknown>, reply: string): Promise<string> {
    const answer = this.next(reply);
    this.child.stdin.write(JSON.stringify(cmd) + "\n");
    return answer;
  }

  async stats(): Promise<PeerStats> {
    const line = await this.command({ cmd: "stats" }, "STATS ");
    return JSON.parse(line.slice("STATS ".length)) as PeerStats;
  }

  async drop(): Promise<void> {
    await this.command({ cmd: "drop" }, "DROPPED");
  }

  async sendMo(mo: {
    from: string;
    to: string;
    text: string;
    encoding?: "gsm7" | "ucs2";
    split_surrogate?: boolean;
    ref?: number;
  }): Promise<void> {
    const line = await this.command({ cmd: "mo", ...mo }, "MO_");
    if (line !== "MO_SENT") throw new Error("no bound session at the SMSC");
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
