import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ActorCallError, createActorInvoker } from "./actor-invoker.js";

/** The invoker against a fake sidecar: the request it makes, what it returns, and its deadline. */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

interface Seen {
  url: string;
  token: string | undefined;
  body: string;
}

async function sidecar(
  answer: (res: import("node:http").ServerResponse) => void,
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        url: req.url ?? "",
        token: req.headers["dapr-api-token"] as string | undefined,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      answer(res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe("actor invoker", () => {
  it("posts one JSON body to the actor method with the API token and returns the parsed answer", async () => {
    const { port, seen } = await sidecar((res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ granted: 3 })),
    );
    const actors = createActorInvoker({ daprHost: "127.0.0.1", daprPort: port, daprApiToken: "tok", timeoutMs: 2_000 });
    const r = await actors.invoke<{ granted: number }>("LimiterActor", "quota:a b", "acquire", { n: 3 });
    expect(r).toEqual({ granted: 3 });
    expect(seen).toEqual([
      { url: "/v1.0/actors/LimiterActor/quota%3Aa%20b/method/acquire", token: "tok", body: JSON.stringify({ n: 3 }) },
    ]);
  });

  it("returns undefined for an empty answer", async () => {
    const { port } = await sidecar((res) => res.writeHead(200).end());
    const actors = createActorInvoker({ daprHost: "127.0.0.1", daprPort: port, timeoutMs: 2_000 });
    await expect(actors.invoke("ChannelActor", "c1", "nudge")).resolves.toBeUndefined();
  });

  it("fails with the sidecar's status and body when the call fails", async () => {
    const { port } = await sidecar((res) => res.writeHead(500).end('{"errorCode":"ERR_ACTOR_INVOKE_METHOD"}'));
    const actors = createActorInvoker({ daprHost: "127.0.0.1", daprPort: port, timeoutMs: 2_000 });
    const err = await actors.invoke("ChannelActor", "c1", "nudge").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActorCallError);
    expect(err).toMatchObject({ code: "actor_call_failed", status: 500 });
    expect((err as Error).message).toContain("ERR_ACTOR_INVOKE_METHOD");
  });

  it("gives up on a sidecar that never answers, within its deadline", async () => {
    const { port, seen } = await sidecar(() => {
      /* never answers */
    });
    const actors = createActorInvoker({ daprHost: "127.0.0.1", daprPort: port, timeoutMs: 300 });
    const started = Date.now();
    const err = await actors.invoke("ChannelActor", "c1", "nudge").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "actor_call_timeout", status: null });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen).toHaveLength(1);
  });
});
