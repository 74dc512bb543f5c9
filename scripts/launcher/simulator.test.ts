import { describe, expect, it } from "vitest";
import { simulatorEnv, simulatorPorts } from "./simulator.js";

describe("the launcher's simulator settings", () => {
  it("put the simulator at fixed ports above the apps and point every HTTP adapter at it", () => {
    expect(simulatorPorts(21000)).toEqual({ http: 21080, smtp: 21081, smpp: 21082 });
    const env = simulatorEnv(21000);
    expect(JSON.parse(env.PROVIDER_BASE_URLS!)).toEqual({
      telegram: "http://127.0.0.1:21080",
      whatsapp: "http://127.0.0.1:21080",
      messenger: "http://127.0.0.1:21080",
      twilio: "http://127.0.0.1:21080",
      africastalking: "http://127.0.0.1:21080",
      vonage: "http://127.0.0.1:21080",
    });
    // The first app serves the API and the webhook receivers.
    expect(env.WEBHOOK_PUBLIC_URL).toBe("http://127.0.0.1:21010");
    expect(env.OUTBOUND_ALLOW).toBe("127.0.0.1");
  });
});
