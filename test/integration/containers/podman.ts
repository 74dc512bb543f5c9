/**
 * Podman for the container tests: whether it can run here (and why not, when it cannot), the local
 * images scripts/containers.sh builds (no registry is needed), and thin wrappers around the CLI.
 * Every container a test starts carries the label below, so a run cleans up what it started and
 * nothing else.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..", "..", "..");
const daprVersion = readFileSync(join(root, "dapr", "VERSION"), "utf8").trim();

/** The names scripts/containers.sh gives its images. */
export const IMAGES = {
  postgres: "localhost/turumba/postgres:15",
  rabbitmq: "localhost/turumba/rabbitmq:3-management",
  redis: "localhost/turumba/redis:7",
  dapr: `localhost/turumba/dapr:${daprVersion}`,
  app: "localhost/turumba/messaging:dev",
} as const;

export const TEST_LABEL = "turumba.test";

/**
 * Why the container tests cannot run here, or undefined when they can. Decided when a test file is
 * collected, so the skip reason shows in the test name; TURUMBA_CONTAINERS=0 opts out explicitly.
 */
export function containerSkipReason(): string | undefined {
  if (process.env.TURUMBA_CONTAINERS === "0") return "TURUMBA_CONTAINERS=0";
  try {
    execFileSync("podman", ["--version"], { stdio: "ignore" });
  } catch {
    return "podman is not installed (bash scripts/containers.sh installs it on Debian)";
  }
  return undefined;
}

/**
 * Installs, configures and builds what is missing (scripts/containers.sh), the app image too when
 * asked. Minutes on a cold cache, seconds on a warm one.
 */
export async function prepareContainers(opts: { app?: boolean } = {}): Promise<void> {
  await run("bash", [join(root, "scripts", "containers.sh"), ...(opts.app ? ["app"] : [])], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface DockerApi {
  /** For DOCKER_HOST: unix://… */
  host: string;
  stop(): Promise<void>;
}

/**
 * podman's Docker-compatible API (what testcontainers and compose speak) on a socket of this run's
 * own, served until stop(): no daemon is left behind and runs never share one.
 */
export async function startDockerApi(): Promise<DockerApi> {
  const dir = mkdtempSync(join(tmpdir(), "turumba-podman-"));
  const socket = join(dir, "podman.sock");
  const service = spawn("podman", ["system", "service", "--time=0", `unix://${socket}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  service.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => service.once("exit", () => resolve()));
  const stop = async () => {
    service.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (await ping(socket)) return { host: `unix://${socket}`, stop };
    if (service.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`podman's Docker API did not answer on ${socket}: ${stderr.trim()}`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping" }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

export async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run("podman", args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** `podman run -d` with the test label; returns the container id. */
export async function startContainer(name: string, args: string[]): Promise<string> {
  await podman("rm", "-f", "--ignore", name);
  return podman("run", "-d", "--name", name, "--label", `${TEST_LABEL}=1`, ...args);
}

export async function removeContainers(...names: string[]): Promise<void> {
  for (const n of names) await podman("rm", "-f", "--ignore", "-t", "5", n).catch(() => undefined);
}

/** The container's log, for a failure message. */
export async function containerLogs(name: string): Promise<string> {
  const { stdout, stderr } = await run("podman", ["logs", "--tail", "60", name]).catch(() => ({
    stdout: "",
    stderr: "",
  }));
  return `${stdout}${stderr}`;
}
