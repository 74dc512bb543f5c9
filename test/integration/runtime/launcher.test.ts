import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isOurProcess } from "../../../scripts/launcher/proc.js";
import { REPO_ROOT } from "../../../scripts/launcher/stack.js";
import { eventually } from "../support/stack.js";

/** Starts the launcher CLI as its own process, waits until the platform answers, returns its pids. */
async function launch(basePort: number) {
  const stale = await fetch(`http://127.0.0.1:${basePort + 10}/health`).then(
    () => true,
    () => false,
  );
  if (stale) throw new Error(`port ${basePort + 10} is already serving: a previous run was not stopped`);
  const runDir = mkdtempSync(join(tmpdir(), "turumba-launcher-"));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(REPO_ROOT, "scripts/launcher/cli.ts"),
      "--set",
      "embedded",
      "--base-port",
      String(basePort),
      "--run-dir",
      runDir,
    ],
    {
      cwd: REPO_ROOT,
      stdio: "ignore",
    },
  );
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    await eventually(
      "the launched platform to answer",
      async () => {
        const res = await fetch(`http://127.0.0.1:${basePort + 10}/ready`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      90_000,
    );
    const pids = JSON.parse(readFileSync(join(runDir, "pids.json"), "utf8")) as {
      pid: number;
      name: string;
      cmdline: string;
    }[];
    return { child, exited, pids };
  } catch (err) {
    child.kill("SIGTERM");
    await exited;
    throw err;
  }
}

const alive = (pids: { pid: number; name: string; cmdline: string }[]) =>
  pids.filter((p) => isOurProcess(p.pid, p.cmdline));

describe("launcher", () => {
  it("records every process it starts: placement, scheduler, app and sidecar", async () => {
    const { child, exited, pids } = await launch(25000);
    try {
      expect(pids.map((p) => p.name).sort()).toEqual(["placement", "scheduler", "turumba:app", "turumba:daprd"]);
      expect(alive(pids)).toHaveLength(4);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
    // A clean stop leaves nothing behind.
    expect(alive(pids)).toEqual([]);
  });

  it("leaves no orphan daprd, placement or scheduler when it is killed with SIGKILL", async () => {
    const { child, exited, pids } = await launch(25100);
    try {
      expect(alive(pids)).toHaveLength(4);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    const left = await eventually(
      "every child to exit after the launcher died",
      async () => (alive(pids).length === 0 ? [] : undefined),
      30_000,
    );
    expect(left).toEqual([]);
  });
});
