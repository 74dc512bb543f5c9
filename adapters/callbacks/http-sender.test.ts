import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundPolicy } from "../contract/outbound-address.js";
import { HttpCallbackSender } from "./http-sender.js";

describe("callback HTTP sender", () => {
  let server: Server;
  let base: string;
  const seen: Array<{ path: string; body: string; signature: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ path: req.url!, body, signature: req.headers["turumba-signature"] as string | undefined });
        if (req.url === "/redirect") res.writeHead(302, { location: "http://169.254.169.254/" }).end();
        else if (req.url === "/error") res.writeHead(500).end("no");
        else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end(), 1_000);
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const allowed = () =>
    new HttpCallbackSender({ outbound: outboundPolicy("127.0.0.1"), timeoutMs: 300, connectionsPerOrigin: 2 });

  it("posts the body and headers and reports the status and latency", async () => {
    const sender = allowed();
    const r = await sender.send({ url: `${base}/ok`, body: '{"a":1}', headers: { "Turumba-Signature": "t=1,v1=x" } });
    expect(r).toMatchObject({ ok: true, statusCode: 204, errorCode: null });
    expect(seen.at(-1)).toEqual({ path: "/ok", body: '{"a":1}', signature: "t=1,v1=x" });
    await sender.close();
  });

  it("refuses loopback unless the operator allows it, before any request leaves", async () => {
    const strict = new HttpCallbackSender({ outbound: outboundPolicy(""), timeoutMs: 300, connectionsPerOrigin: 1 });
    const before = seen.length;
    expect(await strict.send({ url: `${base}/ok`, body: "{}", headers: {} })).toMatchObject({
      ok: false,
      statusCode: null,
      errorCode: "destination_forbidden",
    });
    expect(seen.length).toBe(before);
    await strict.close();
  });

  it("never follows a redirect, reports error statuses, and gives up on a slow endpoint", async () => {
    const sender = allowed();
    expect(await sender.send({ url: `${base}/redirect`, body: "{}", headers: {} })).toMatchObject({
      ok: false,
      statusCode: 302,
      errorCode: "redirect_not_followed",
    });
    expect(await sender.send({ url: `${base}/error`, body: "{}", headers: {} })).toMatchObject({
      ok: false,
      statusCode: 500,
      errorCode: "http_error",
    });
    expect(await sender.send({ url: `${base}/slow`, body: "{}", headers: {} })).toMatchObject({
      ok: false,
      statusCode: null,
      errorCode: "timeout",
    });
    await sender.close();
  });
});
