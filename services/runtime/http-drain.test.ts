import { createServer, request, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpDrain } from "./http-drain.js";

/** A server whose client keeps reusing one keep-alive connection, as a sidecar does. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
afterEach(() => agent.destroy());

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("httpDrain", () => {
  it("closes a connection the client keeps reusing, so the server stops within its requests", async () => {
    const server = createServer((req, res) => {
      setTimeout(() => res.end("ok"), req.url === "/slow" ? 300 : 5);
    });
    const drain = httpDrain(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as AddressInfo;
    await get(port, "/fast");

    // The client sends a request every 20 ms on its one connection, as reminders keep coming.
    let stop = false;
    let served = 0;
    const client = (async () => {
      while (!stop) {
        try {
          if ((await get(port, "/fast")) === 200) served++;
        } catch {
          // Refused once the server stopped listening.
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const slow = get(port, "/slow").catch(() => 0);

    await new Promise((r) => setTimeout(r, 100));
    const began = Date.now();
    const closed = new Promise<number>((resolve) => drain.begin(() => resolve(Date.now() - began)));
    const tookMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 3_000))]);
    stop = true;
    await client;

    expect(await slow).toBe(200);
    expect(tookMs).toBeGreaterThanOrEqual(0);
    expect(tookMs).toBeLessThan(1_000);
    expect(served).toBeGreaterThan(0);
  });
});
