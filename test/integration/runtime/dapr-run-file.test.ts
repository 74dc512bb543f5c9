/**
 * dapr.yaml as users run it: the Dapr CLI (scripts/dapr-cli.sh builds the one matching the pinned
 * runtime) starts both apps and their sidecars through scripts/dapr-run.sh. The sidecars must load
 * the pub/sub and state components, whose connection strings reach daprd only through the CLI's own
 * environment (a run file's `env` goes to the apps), and must run the app health check the file
 * asks for. The file's ports are fixed (3000/3001, 3500/3501), so this runs under the integration
 * lock like every suite; the CLI's daprd is our cached build (DAPR_RUNTIME_PATH).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedBroker, type IsolatedBroker } from "../support/broker.js";
import { createTestDatabase } from "../support/database.js";
import { eventually } from "../support/stack.js";

const root = join(import.meta.dirname, "..", "..", "..");

/** The CLI's directory, or why there is none (building it needs Go and the CLI's source). */
function daprCli(): { dir: string } | { skip: string } {
  try {
    const out = execFileSync("bash", [join(root, "scripts", "dapr-cli.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { dir: out.trim().split("\n").at(-1)! };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    return { skip: `no Dapr CLI: ${stderr.trim().split("\n").at(-1)}` };
  }
}

const cli = daprCli();
const sidecars = [
  { appId: "messaging-api", daprPort: 3500, appPort: 3000 },
  { appId: "dispatcher", daprPort: 3501, appPort: 3001 },
];

interface Metadata {
  id: string;
  components?: { name: string; type: string }[];
  appConnectionProperties?: { health?: { healthCheckPath?: string; healthProbeInterval?: string } };
}

describe.skipIf("skip" in cli)(`dapr run -f . (dapr.yaml)${"skip" in cli ? ` (skipped: ${cli.skip})` : ""}`, () => {
  let run: ChildProcess | undefined;
  const controlPlane: ChildProcess[] = [];
  let output = "";
  let runtimeDir: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let broker: IsolatedBroker | undefined;

  beforeAll(async () => {
    const bin = execFileSync("bash", [join(root, "scripts", "dapr-binaries.sh")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .at(-1)!;
    // The CLI looks for daprd in $DAPR_RUNTIME_PATH/.dapr/bin.
    runtimeDir = mkdtempSync(join(tmpdir(), "turumba-dapr-cli-"));
    mkdirSync(join(runtimeDir, ".dapr"));
    symlinkSync(bin, join(runtimeDir, ".dapr", "bin"));
    // What `dapr init` would run: placement and scheduler on the CLI's default ports (50005, 50006),
    // their own health, metrics and etcd ports kept clear of every suite's range.
    controlPlane.push(
      spawn(join(bin, "placement"), [
        "--port=50005",
        "--listen-address=127.0.0.1",
        "--initial-cluster=dapr-placement-0=127.0.0.1:30580",
        "--healthz-port=30581",
        "--metrics-port=30582",
        "--log-level=warn",
      ]),
      spawn(join(bin, "scheduler"), [
        "--port=50006",
        "--listen-address=127.0.0.1",
        "--healthz-port=30583",
        "--metrics-port=30584",
        `--etcd-data-dir=${join(runtimeDir, "scheduler")}`,
        "--etcd-client-port=30585",
        "--etcd-initial-cluster=dapr-scheduler-server-0=http://127.0.0.1:30586",
        "--id=dapr-scheduler-server-0",
        "--log-level=warn",
      ]),
    );
    const db = await createTestDatabase("daprrun");
    dropDatabase = db.drop;
    broker = await isolatedBroker("turumba-it-dapr-run");
    run = spawn("bash", [join(root, "scripts", "dapr-run.sh")], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PATH: `${(cli as { dir: string }).dir}:${process.env.PATH}`,
        DAPR_RUNTIME_PATH: runtimeDir,
        DATABASE_URL: db.url,
        TURUMBA_SECRET_AMQP_URL: broker.url,
      },
    });
    run.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    run.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  }, 300_000);

  afterAll(async () => {
    if (run?.pid) {
      // The CLI stops its apps and sidecars on SIGTERM; the group catches anything left.
      try {
        process.kill(-run.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      await new Promise((r) => setTimeout(r, 5_000));
      try {
        process.kill(-run.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    for (const p of controlPlane) p.kill("SIGTERM");
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
    await dropDatabase?.();
    await broker?.drop();
  });

  it.each(sidecars)("$appId's sidecar loads pub/sub and state and checks the app's /health", async (s) => {
    let meta: Metadata;
    try {
      meta = await eventually(
        `${s.appId}'s sidecar metadata`,
        async () => {
          const res = await fetch(`http://127.0.0.1:${s.daprPort}/v1.0/metadata`);
          return res.ok ? ((await res.json()) as Metadata) : undefined;
        },
        120_000,
      );
    } catch (err) {
      throw new Error(`${String(err)}\n--- dapr run ---\n${output.slice(-4000)}`);
    }
    expect(meta.id).toBe(s.appId);
    const byName = new Map((meta.components ?? []).map((c) => [c.name, c.type]));
    // Both read their connection strings through envsecrets (TURUMBA_SECRET_*).
    expect(byName.get("pubsub")).toBe("pubsub.rabbitmq");
    expect(byName.get("statestore")).toBe("state.postgresql");
    expect(meta.appConnectionProperties?.health?.healthCheckPath).toBe("/health");
    const ready = await eventually(
      `${s.appId}'s /ready`,
      async () => ((await fetch(`http://127.0.0.1:${s.appPort}/ready`)).ok ? true : undefined),
      60_000,
    );
    expect(ready).toBe(true);
  });
});
