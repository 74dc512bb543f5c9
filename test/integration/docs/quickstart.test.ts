/**
 * README's quick start, executed as written: the first command starts the platform with the
 * provider simulator (in its own process group, stopped at the end), every later block runs in
 * one shell in order, as a reader pasting them into a second terminal would. A change to the API,
 * the launcher or the simulator that breaks a step breaks this test, so the docs cannot rot.
 */

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sectionCommands } from "./markdown-commands.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const README = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe("README quick start", () => {
  const [server, ...steps] = sectionCommands(README, "## Quick start: your first message");
  let platform: ChildProcess;
  let platformLog = "";

  beforeAll(() => {
    platform = spawn("bash", ["-c", server!], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (b: Buffer) => {
      platformLog = (platformLog + b.toString()).slice(-20_000);
    };
    platform.stdout!.on("data", keep);
    platform.stderr!.on("data", keep);
  });

  afterAll(async () => {
    // The launcher stops what it started on SIGTERM; the group signal reaches npm and bash too.
    try {
      process.kill(-platform.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    if (!(await exited(platform, 30_000))) process.kill(-platform.pid!, "SIGKILL");
  });

  it("has a server command and the steps after it", () => {
    expect(server).toContain("npm run platform -- --simulator");
    expect(steps.length).toBeGreaterThanOrEqual(6);
  });

  it("takes a new user from an API key to a delivered message, an inbound reply and a filtered list", async () => {
    const script = ["set -euo pipefail", ...steps].join("\n");
    const shell = spawn("bash", ["-c", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    shell.stdout.on("data", (b: Buffer) => (out += b.toString()));
    shell.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const finished = await exited(shell, 240_000);
    if (!finished) shell.kill("SIGKILL");
    const code = shell.exitCode;
    const context = `exit ${code}\n--- steps' output\n${out}\n--- stderr\n${err}\n--- platform (tail)\n${platformLog.slice(-4_000)}`;
    expect(code, context).toBe(0);
    // The status loop ends on delivered; the history shows each step; the list shows the reply.
    expect(out.split("\n"), context).toContain("delivered");
    expect(out, context).toMatch(/queued -> sending[\s\S]*sending -> sent[\s\S]*sent -> delivered/);
    expect(out, context).toContain('"message_body": "Thanks, got it"');
  }, 300_000);
});
