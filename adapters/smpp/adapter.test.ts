import { describe, expect, it } from "vitest";
import { SmppAdapter } from "./adapter.js";

/** Nothing listens on port 1: a bind attempt fails at once and the session keeps rebinding. */
const unreachable = { host: "127.0.0.1", port: 1, system_id: "turumba", password: "secret", source_addr: "TURUMBA" };
const channelId = "0b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b";

describe("smpp adapter: a channel's health is its bind", () => {
  it("connected before any bind, disconnected while rebinding, connected again once the bind is closed", async () => {
    const adapter = new SmppAdapter({ reconnectBaseMs: 60_000 });
    await expect(adapter.checkChannelHealth(channelId, unreachable)).resolves.toMatchObject({ status: "connected" });
    await expect(adapter.session(channelId, unreachable)).rejects.toMatchObject({ code: "provider_unreachable" });
    await expect(adapter.checkChannelHealth(channelId, unreachable)).resolves.toEqual({
      status: "disconnected",
      latencyMs: null,
      errorMessage: "bind reconnecting",
    });
    await adapter.closeChannel(channelId);
    await expect(adapter.checkChannelHealth(channelId, unreachable)).resolves.toMatchObject({ status: "connected" });
  });

  it("a credentials probe that cannot reach the SMSC reports disconnected", async () => {
    const health = await new SmppAdapter().checkHealth(unreachable);
    expect(health).toMatchObject({ status: "disconnected", latencyMs: null });
    expect(health.errorMessage).toMatch(/^provider_unreachable: /);
  });
});
