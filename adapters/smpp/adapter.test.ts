import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import { outboundPolicy } from "../contract/outbound-address.js";
import { SmppAdapter } from "./adapter.js";

/** Nothing listens on port 1: a bind attempt fails at once and the session keeps rebinding. */
const unreachable = { host: "127.0.0.1", port: 1, system_id: "turumba", password: "secret", source_addr: "TURUMBA" };
/** Loopback is opened by the operator's allow-list only. */
const LOCAL = { outbound: outboundPolicy("127.0.0.1") };
const channelId = "0b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b";

describe("smpp adapter: a channel's health is its bind", () => {
  it("connected before any bind, disconnected while rebinding, connected again once the bind is closed", async () => {
    const adapter = new SmppAdapter({ ...LOCAL, reconnectBaseMs: 60_000 });
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
    const health = await new SmppAdapter(LOCAL).checkHealth(unreachable);
    expect(health).toMatchObject({ status: "disconnected", latencyMs: null });
    expect(health.errorMessage).toMatch(/^provider_unreachable: /);
  });
});

describe("smpp: tenant-chosen SMSC hosts", () => {
  it("a host resolving to a loopback address is refused before any connection, permanently, unless allowed", async () => {
    let seen = 0;
    const sockets: Socket[] = [];
    const internal = createServer((socket) => {
      seen++;
      sockets.push(socket);
      socket.end("SSH-2.0-internal-bastion\r\n");
    });
    await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
    const port = (internal.address() as AddressInfo).port;
    const adapter = new SmppAdapter({ reconnectBaseMs: 60_000, connectTimeoutMs: 2000 });
    const surfaces: unknown[] = [];
    for (const host of ["127.0.0.1", "localhost", "0x7f.1"]) {
      const creds = { ...unreachable, host, port };
      surfaces.push(await adapter.session(randomUUID(), creds).catch((e: unknown) => e));
      surfaces.push(await adapter.verifyCredentials(creds).catch((e: unknown) => e));
      surfaces.push(await adapter.checkHealth(creds));
    }
    await adapter.close();
    // Allowed by the operator: the bind is attempted, and what the service said stays out of the error.
    const allowed = new SmppAdapter({
      reconnectBaseMs: 60_000,
      connectTimeoutMs: 2000,
      outbound: outboundPolicy("127.0.0.0/8"),
    });
    const err = (await allowed.session(randomUUID(), { ...unreachable, port }).catch((e: unknown) => e)) as SendError;
    await allowed.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => internal.close(() => resolve()));
    expect(surfaces[0]).toMatchObject({ kind: "permanent", code: "destination_forbidden" });
    expect(surfaces[1]).toMatchObject({ valid: false, code: "destination_forbidden" });
    expect(surfaces[2]).toMatchObject({
      status: "error",
      errorMessage: expect.stringContaining("destination_forbidden"),
    });
    expect(seen).toBe(1);
    expect(err).toBeInstanceOf(SendError);
    expect(`${err.message} ${JSON.stringify(err)}`).not.toMatch(/SSH|bastion|127\.0\.0\.1/);
  });
});
