/**
 * `npm run platform -- --simulator`: the provider simulator beside the platform, on ports derived
 * from the launcher's base port, and the settings that point every adapter at it. Without it, a
 * machine with no internet can start the platform but every send fails; with it, a new user can
 * send, receive receipts and inbound messages on every channel type from the first minute.
 */

import { spawnSimulator, type SimulatorProcess } from "../../services/simulator/spawn.js";
import { appPorts } from "./stack.js";

/** Providers reached over HTTP (SMPP and SMTP are dialled at the channel's own host and port). */
const HTTP_PROVIDERS = ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"] as const;

/** Fixed so a quick start can name them: HTTP, SMTP and SMPP at base + 80, 81 and 82. */
export function simulatorPorts(basePort: number): { http: number; smtp: number; smpp: number } {
  return { http: basePort + 80, smtp: basePort + 81, smpp: basePort + 82 };
}

/**
 * The apps' settings for a platform that talks to the simulator: every HTTP adapter's base URL, the
 * public URL of the first app (the API) so providers that register webhooks by API (Telegram's
 * setWebhook) are told where to post updates, and loopback allowed as a tenant-chosen host, so
 * SMTP and SMPP channels can dial the simulator on any component set.
 */
export function simulatorEnv(basePort: number): Record<string, string> {
  const http = `http://127.0.0.1:${simulatorPorts(basePort).http}`;
  return {
    OUTBOUND_ALLOW: "127.0.0.1",
    PROVIDER_BASE_URLS: JSON.stringify(Object.fromEntries(HTTP_PROVIDERS.map((p) => [p, http]))),
    WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${appPorts(basePort, 0).app}`,
  };
}

/** Receipts a fifth of a second after each send, every message delivered: a first run sees `delivered`. */
export function startLauncherSimulator(basePort: number): Promise<SimulatorProcess> {
  return spawnSimulator({ defaults: { receiptDelayMs: 200 } }, simulatorPorts(basePort));
}
