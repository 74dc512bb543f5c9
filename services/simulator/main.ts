/**
 * Entry point: `npx tsx services/simulator/main.ts`. Configure with SIM_CONFIG (JSON) or
 * SIM_CONFIG_FILE, and SIM_HTTP_PORT / SIM_SMTP_PORT / SIM_SMPP_PORT. Listens on 127.0.0.1 only.
 */

import { readFileSync } from "node:fs";
import { createLogger } from "../../core/logger.js";
import { configFromEnv } from "./config.js";
import { startSimulator } from "./simulator.js";

const logger = createLogger("simulator");
const config = configFromEnv(process.env, (path) => readFileSync(path, "utf8"));
const sim = await startSimulator(config, { logger });
process.stdout.write(JSON.stringify({ http: sim.httpUrl, smtpPort: sim.smtpPort, smppPort: sim.smppPort }) + "\n");

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "simulator stopping");
  sim.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
