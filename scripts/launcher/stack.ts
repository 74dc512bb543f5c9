/**
 * Starts the Dapr control plane (placement, scheduler) and each app with its own daprd sidecar,
 * on loopback ports derived from one base port. Used by the CLI (`npm run platform`), the demo
 * and every integration test, so all three run the same topology.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isOurProcess, startProcess, type LogSink, type ManagedProcess } from "./proc.js";
import { embeddedResiliency } from "./resiliency.js";
import { httpOk, waitFor } from "./wait.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * How the apps are started: the TypeScript sources through tsx (default), or with
 * TURUMBA_APP_ENTRY the compiled entry point (`npm run build` → dist/services/main.js), which is
 * what the image runs: no loader, no transpiling, the memory profile of production.
 */
function appEntryArgs(): string[] {
  const compiled = process.env.TURUMBA_APP_ENTRY;
  return compiled ? [resolve(REPO_ROOT, compiled)] : ["--import", "tsx", join(REPO_ROOT, "services/main.ts")];
}

export type PubSubKind = "in-memory" | "rabbitmq" | "redis-streams";
export type StateKind = "sqlite" | "postgresql" | "redis";
/** Where media objects live: a folder in the run dir (`local`) or an S3-compatible server (`s3`). */
export type MediaKind = "local" | "s3";
export type Role = "api" | "dispatcher" | "all";

export interface AppSpec {
  /** Name of this process in the stack (and its Dapr app id unless `appId` says otherwise). */
  id: string;
  /** Dapr app id, for a second replica of an app: `{id: "dispatcher-2", appId: "dispatcher"}`. */
  appId?: string;
  role: Role;
  env?: Record<string, string>;
}

export interface StackOptions {
  name: string;
  pubsub: PubSubKind;
  state: StateKind;
  /** The media store component; `local` (a folder in the run dir) when omitted. */
  media?: MediaKind;
  apps: AppSpec[];
  /** First of ~100 ports; keep it below the kernel's ephemeral range (32768+) so no outgoing connection holds one. */
  basePort: number;
  runDir: string;
  sink: LogSink;
  daprBinDir?: string;
  /** Extra environment for every app and sidecar (DATABASE_URL, AMQP URL, …). */
  env?: Record<string, string>;
  daprLogLevel?: "debug" | "info" | "warn" | "error";
}

export interface AppPorts {
  app: number;
  daprHttp: number;
  daprGrpc: number;
  daprInternalGrpc: number;
  daprMetrics: number;
}

export interface RunningApp {
  spec: AppSpec;
  ports: AppPorts;
  app?: ManagedProcess;
  daprd?: ManagedProcess;
}

export interface Stack {
  opts: StackOptions;
  apps: Map<string, RunningApp>;
  tokens: { daprApiToken: string; appApiToken: string; opsApiToken: string };
  placementPort: number;
  schedulerPort: number;
  url(appId: string, path?: string): string;
  startApp(appId: string): Promise<void>;
  stopApp(appId: string, signal?: NodeJS.Signals): Promise<void>;
  startSidecar(appId: string): Promise<void>;
  stopSidecar(appId: string, signal?: NodeJS.Signals): Promise<void>;
  restartSidecar(appId: string): Promise<void>;
  /** Stops placement or scheduler (fault drills kill them with SIGKILL). */
  stopControlPlane(name: ControlPlaneService, signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and data directory, and waits for its health endpoint. */
  startControlPlane(name: ControlPlaneService): Promise<void>;
  stop(): Promise<void>;
}

export type ControlPlaneService = "placement" | "scheduler";

export function appPorts(basePort: number, index: number): AppPorts {
  const b = basePort + 10 + index * 10;
  return { app: b, daprHttp: b + 1, daprGrpc: b + 2, daprInternalGrpc: b + 3, daprMetrics: b + 4 };
}

export function resourcesPaths(
  pubsub: PubSubKind,
  state: StateKind,
  runDir?: string,
  media: MediaKind = "local",
): string[] {
  return [
    join(REPO_ROOT, "components/common"),
    join(REPO_ROOT, "components/pubsub", pubsub),
    join(REPO_ROOT, "components/state", state),
    join(REPO_ROOT, "components/media", media),
    pubsub === "in-memory" && runDir ? embeddedResiliencyDir(runDir) : join(REPO_ROOT, "dapr/resiliency"),
  ];
}

/** The shipped resiliency policy adapted to the in-memory broker (see ./resiliency.ts), in the run dir. */
function embeddedResiliencyDir(runDir: string): string {
  const dir = join(runDir, "resiliency");
  mkdirSync(dir, { recursive: true });
  const shipped = readFileSync(join(REPO_ROOT, "dapr/resiliency/resiliency.yaml"), "utf8");
  writeFileSync(join(dir, "resiliency.yaml"), embeddedResiliency(shipped));
  return dir;
}

export function defaultDaprBinDir(): string {
  if (process.env.DAPR_BIN_DIR) return process.env.DAPR_BIN_DIR;
  const out = execFileSync(join(REPO_ROOT, "scripts/dapr-binaries.sh"), {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

/** Kills processes a previous launcher with the same run dir left behind (it was SIGKILLed). */
function reapLeftovers(runDir: string, sink: LogSink): void {
  const file = join(runDir, "pids.json");
  let recorded: { pid: number; name: string; cmdline: string }[] = [];
  try {
    recorded = JSON.parse(readFileSync(file, "utf8")) as typeof recorded;
  } catch {
    return;
  }
  for (const { pid, name, cmdline } of recorded) {
    if (isOurProcess(pid, cmdline)) {
      sink("launcher", `killing leftover ${name} (pid ${pid})`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  mkdirSync(opts.runDir, { recursive: true });
  reapLeftovers(opts.runDir, opts.sink);
  const bin = opts.daprBinDir ?? defaultDaprBinDir();
  // Fresh tokens per launch unless the caller pins them (an operator who wants to curl /internal).
  const token = () => randomBytes(24).toString("hex");
  const tokens = {
    daprApiToken: process.env.DAPR_API_TOKEN ?? token(),
    appApiToken: process.env.APP_API_TOKEN ?? token(),
    opsApiToken: process.env.OPS_API_TOKEN ?? token(),
  };
  const placementPort = opts.basePort;
  const schedulerPort = opts.basePort + 1;
  const ctl = {
    placementHealth: opts.basePort + 2,
    schedulerHealth: opts.basePort + 3,
    placementMetrics: opts.basePort + 4,
    schedulerMetrics: opts.basePort + 5,
    etcdClient: opts.basePort + 6,
    etcdPeer: opts.basePort + 7,
    placementRaft: opts.basePort + 8,
  };
  const apps = new Map<string, RunningApp>();
  opts.apps.forEach((spec, i) => apps.set(spec.id, { spec, ports: appPorts(opts.basePort, i) }));

  const recordPids = () => {
    const all = [
      ...procs,
      ...[...apps.values()].flatMap((a) => [a.app, a.daprd].filter((p): p is ManagedProcess => !!p)),
    ];
    const entries = all
      .filter((p) => p.child.exitCode === null)
      .map((p) => ({ pid: p.pid, name: p.name, cmdline: p.cmdline }));
    writeFileSync(join(opts.runDir, "pids.json"), JSON.stringify(entries));
  };
  // One credentials key ring per stack: the API seals channel credentials, the dispatcher opens them.
  const credentialsKeys = process.env.CREDENTIALS_KEYS ?? `k1:${randomBytes(32).toString("base64")}`;
  // Signed media links point at the API on loopback (the simulator fetches them there) unless told otherwise.
  const apiApp = [...apps.values()].find((a) => a.spec.role !== "dispatcher");
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: "UTC",
    CREDENTIALS_KEYS: credentialsKeys,
    ...(apiApp ? { MEDIA_PUBLIC_BASE_URL: `http://127.0.0.1:${apiApp.ports.app}` } : {}),
    ...opts.env,
  };

  const startPlacement = () =>
    startProcess(
      `placement`,
      join(bin, "placement"),
      [
        "--port",
        String(placementPort),
        "--listen-address",
        "127.0.0.1",
        // Its own raft port, so several stacks (tests, a demo) can run side by side.
        "--initial-cluster",
        `dapr-placement-0=127.0.0.1:${ctl.placementRaft}`,
        "--healthz-port",
        String(ctl.placementHealth),
        "--healthz-listen-address",
        "127.0.0.1",
        "--metrics-port",
        String(ctl.placementMetrics),
        "--metrics-listen-address",
        "127.0.0.1",
        "--log-level",
        "warn",
      ],
      { env: baseEnv, sink: opts.sink },
    );
  const schedulerData = join(opts.runDir, "scheduler");
  mkdirSync(schedulerData, { recursive: true });
  const startScheduler = () =>
    startProcess(
      `scheduler`,
      join(bin, "scheduler"),
      [
        "--port",
        String(schedulerPort),
        "--listen-address",
        "127.0.0.1",
        "--healthz-port",
        String(ctl.schedulerHealth),
        "--healthz-listen-address",
        "127.0.0.1",
        "--metrics-port",
        String(ctl.schedulerMetrics),
        "--metrics-listen-address",
        "127.0.0.1",
        "--etcd-data-dir",
        schedulerData,
        "--etcd-client-port",
        String(ctl.etcdClient),
        "--etcd-client-listen-address",
        "127.0.0.1",
        "--etcd-initial-cluster",
        `dapr-scheduler-server-0=http://127.0.0.1:${ctl.etcdPeer}`,
        "--id",
        "dapr-scheduler-server-0",
        "--log-level",
        "warn",
        // The embedded etcd logs at info whatever --log-level says; keep only its warnings and errors.
      ],
      { env: baseEnv, sink: opts.sink, keepLine: (l) => !/"level":"(info|debug)"/.test(l) },
    );
  const control = { placement: startPlacement(), scheduler: startScheduler() };
  const controlHealth = {
    placement: () => httpOk(`http://127.0.0.1:${ctl.placementHealth}/healthz`),
    scheduler: () => httpOk(`http://127.0.0.1:${ctl.schedulerHealth}/healthz`),
  };
  const procs: ManagedProcess[] = [control.placement, control.scheduler];
  recordPids();

  const stack: Stack = {
    opts,
    apps,
    tokens,
    placementPort,
    schedulerPort,
    url(appId, path = "") {
      const a = apps.get(appId);
      if (!a) throw new Error(`no app ${appId}`);
      return `http://127.0.0.1:${a.ports.app}${path}`;
    },
    async startApp(appId) {
      const a = mustApp(apps, appId);
      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        ROLE: a.spec.role,
        APP_HOST: "127.0.0.1",
        APP_PORT: String(a.ports.app),
        DAPR_HOST: "127.0.0.1",
        DAPR_HTTP_PORT: String(a.ports.daprHttp),
        DAPR_API_TOKEN: tokens.daprApiToken,
        APP_API_TOKEN: tokens.appApiToken,
        OPS_API_TOKEN: tokens.opsApiToken,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
        ...a.spec.env,
      };
      a.app = startProcess(`${appId}:app`, process.execPath, appEntryArgs(), { env, cwd: REPO_ROOT, sink: opts.sink });
      recordPids();
      await waitHealthy(a.app, () => httpOk(stack.url(appId, "/health")), 60_000);
    },
    async stopApp(appId, signal = "SIGTERM") {
      const a = mustApp(apps, appId);
      await a.app?.stop(signal);
      a.app = undefined;
    },
    async startSidecar(appId) {
      const a = mustApp(apps, appId);
      const env: NodeJS.ProcessEnv = {
        // The local media folder sits in the run dir unless the environment names one.
        TURUMBA_SECRET_MEDIA_LOCAL_PATH: join(opts.runDir, "media"),
        ...baseEnv,
        DAPR_API_TOKEN: tokens.daprApiToken,
        APP_API_TOKEN: tokens.appApiToken,
        TURUMBA_SECRET_DAPR_STATE_SQLITE_PATH: join(opts.runDir, "state.db"),
      };
      const args = [
        "--app-id",
        a.spec.appId ?? appId,
        "--app-port",
        String(a.ports.app),
        "--app-protocol",
        "http",
        "--app-channel-address",
        "127.0.0.1",
        "--dapr-listen-addresses",
        "127.0.0.1",
        "--dapr-http-port",
        String(a.ports.daprHttp),
        "--dapr-grpc-port",
        String(a.ports.daprGrpc),
        "--dapr-internal-grpc-port",
        String(a.ports.daprInternalGrpc),
        "--metrics-port",
        String(a.ports.daprMetrics),
        "--placement-host-address",
        `127.0.0.1:${placementPort}`,
        "--scheduler-host-address",
        `127.0.0.1:${schedulerPort}`,
        "--config",
        join(REPO_ROOT, "dapr/config.yaml"),
        "--log-level",
        opts.daprLogLevel ?? sidecarLogLevelFromEnv() ?? "warn",
        "--enable-app-health-check",
        "--app-health-check-path",
        "/health",
        "--app-health-probe-interval",
        "3",
        ...resourcesPaths(opts.pubsub, opts.state, opts.runDir, opts.media).flatMap((p) => ["--resources-path", p]),
      ];
      a.daprd = startProcess(`${appId}:daprd`, join(bin, "daprd"), args, { env, sink: opts.sink });
      recordPids();
      await waitHealthy(a.daprd, () => httpOk(`http://127.0.0.1:${a.ports.daprHttp}/v1.0/healthz`), 90_000);
    },
    async stopSidecar(appId, signal = "SIGTERM") {
      const a = mustApp(apps, appId);
      await a.daprd?.stop(signal);
      a.daprd = undefined;
    },
    async restartSidecar(appId) {
      await stack.stopSidecar(appId);
      await stack.startSidecar(appId);
    },
    async stopControlPlane(name, signal = "SIGTERM") {
      await control[name].stop(signal);
    },
    async startControlPlane(name) {
      const p = name === "placement" ? startPlacement() : startScheduler();
      procs[procs.indexOf(control[name])] = p;
      control[name] = p;
      recordPids();
      await waitHealthy(p, controlHealth[name], 60_000);
    },
    async stop() {
      // Apps first (they drain in-flight work through their sidecars), then sidecars, then control plane.
      await Promise.all([...apps.keys()].map((id) => stack.stopApp(id)));
      await Promise.all([...apps.keys()].map((id) => stack.stopSidecar(id)));
      await Promise.all(procs.map((p) => p.stop()));
      writeFileSync(join(opts.runDir, "pids.json"), "[]");
    },
  };

  try {
    await waitHealthy(control.placement, controlHealth.placement, 30_000);
    await waitHealthy(control.scheduler, controlHealth.scheduler, 60_000);
    for (const id of apps.keys()) {
      await stack.startApp(id);
      await stack.startSidecar(id);
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Waits for a process to answer its health probe; fails at once if it exits first. */
async function waitHealthy(p: ManagedProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let exited = false;
  const died = p.exited.then((code) => {
    exited = true;
    throw new Error(`${p.name} exited with code ${code} during start-up (see its log lines)`);
  });
  died.catch(() => undefined);
  await Promise.race([waitFor(`${p.name} to become healthy`, async () => !exited && (await probe()), timeoutMs), died]);
}

function mustApp(apps: Map<string, RunningApp>, id: string): RunningApp {
  const a = apps.get(id);
  if (!a) throw new Error(`no app ${id}`);
  return a;
}

/** `TURUMBA_DAPR_LOG_LEVEL=info|debug` raises every sidecar's log level for a post-mortem run. */
function sidecarLogLevelFromEnv(): StackOptions["daprLogLevel"] {
  const v = process.env.TURUMBA_DAPR_LOG_LEVEL;
  return v === "debug" || v === "info" || v === "warn" || v === "error" ? v : undefined;
}
