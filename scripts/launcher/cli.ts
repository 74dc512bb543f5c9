/**
 * `npm run platform -- --set production` — runs the platform in the foreground until Ctrl-C or
 * SIGTERM, then stops exactly the processes it started. `--simulator` starts the provider
 * simulator beside it and points every adapter at it (scripts/launcher/simulator.ts).
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { consoleSink } from "./proc.js";
import { componentSet } from "./sets.js";
import { simulatorEnv, simulatorPorts, startLauncherSimulator } from "./simulator.js";
import { startStack, type MediaKind, type PubSubKind, type StateKind } from "./stack.js";

const { values } = parseArgs({
  options: {
    set: { type: "string", default: "embedded" },
    pubsub: { type: "string" },
    state: { type: "string" },
    media: { type: "string" },
    "base-port": { type: "string", default: "21000" },
    "run-dir": { type: "string" },
    simulator: { type: "boolean", default: false },
  },
});
const basePort = Number(values["base-port"]);

// Signals that arrive while the platform is still starting are honoured once it is up.
const control: { requested?: string; stop?: (signal: string) => Promise<void> } = {};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (control.stop) void control.stop(signal);
    else control.requested = signal;
  });
}

const set = componentSet(values.set, {
  pubsub: values.pubsub as PubSubKind | undefined,
  state: values.state as StateKind | undefined,
  media: values.media as MediaKind | undefined,
});
const runDir = values["run-dir"] ?? mkdtempSync(join(tmpdir(), "turumba-"));
const sink = consoleSink();
const sim = values.simulator ? await startLauncherSimulator(basePort) : undefined;
if (sim) {
  const p = simulatorPorts(basePort);
  sink(
    "launcher",
    `provider simulator: http://127.0.0.1:${p.http}  SMTP 127.0.0.1:${p.smtp}  SMPP 127.0.0.1:${p.smpp}`,
  );
}
const stack = await startStack({
  name: values.set,
  pubsub: set.pubsub,
  state: set.state,
  media: set.media,
  apps: set.apps,
  env: { ...set.env, ...(sim ? simulatorEnv(basePort) : {}) },
  basePort,
  runDir,
  sink,
}).catch(async (err: unknown) => {
  await sim?.stop();
  throw err;
});
for (const [id, a] of stack.apps)
  sink("launcher", `${id}: app http://127.0.0.1:${a.ports.app}  sidecar http://127.0.0.1:${a.ports.daprHttp}`);
sink("launcher", `running (${set.pubsub} pub/sub, ${set.state} state, run dir ${runDir}); Ctrl-C stops everything`);

let stopping = false;
control.stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  sink("launcher", `${signal}: stopping`);
  await stack.stop();
  await sim?.stop();
  process.exit(0);
};
if (control.requested) await control.stop(control.requested);
