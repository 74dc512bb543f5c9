import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { keepArming } from "./sweep-arming.js";

const log = createLogger("sweep-arming-test", { level: "silent" });

describe("arming the sweeper reminder", () => {
  it("retries until placement answers, then stops calling", async () => {
    let calls = 0;
    const arming = keepArming(
      async () => {
        calls++;
        if (calls < 3) throw new Error("no placement yet");
      },
      log,
      5,
    );
    await arming.armed;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(3);
  });

  it("stops retrying when the dispatcher shuts down", async () => {
    let calls = 0;
    const arming = keepArming(
      async () => {
        calls++;
        throw new Error("no placement yet");
      },
      log,
      5,
    );
    await new Promise((r) => setTimeout(r, 12));
    arming.stop();
    const seen = calls;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(seen);
    expect(seen).toBeGreaterThan(0);
  });
});
