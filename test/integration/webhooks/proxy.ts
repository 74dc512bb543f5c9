import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/**
 * A recording relay between the simulator and the API's receivers. Providers sign the URL they
 * call (Twilio), so the API runs with WEBHOOK_PUBLIC_URL pointing here and the relay keeps paths
 * unchanged. Every request is kept (method, path, headers, raw body) so a test can replay it,
 * tamper with it, or hold it back and deliver it later in another order.
 */
export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The API's answer when forwarded, undefined while held. */
  status?: number;
  reply?: string;
}

export interface Relay {
  url: string;
  captured: Captured[];
  /** Paths starting with one of these are recorded and answered 200 without forwarding. */
  hold: Set<string>;
  setTarget(base: string): void;
  send(c: Pick<Captured, "method" | "path" | "headers" | "body">): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export async function startRelay(port: number): Promise<Relay> {
  let target = "";
  const captured: Captured[] = [];
  const hold = new Set<string>();
  const send: Relay["send"] = async (c) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.headers))
      if (v !== undefined && !["host", "content-length", "connection", "transfer-encoding"].includes(k))
        headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const res = await fetch(target + c.path, {
      method: c.method,
      headers,
      body: c.method === "GET" ? undefined : c.body,
    });
    return { status: res.status, body: await res.text() };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const c: Captured = {
        method: req.method ?? "POST",
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      captured.push(c);
      if ([...hold].some((p) => c.path.startsWith(p))) {
        res.writeHead(200).end("{}");
        return;
      }
      send(c).then(
        (r) => {
          c.status = r.status;
          c.reply = r.body;
          res.writeHead(r.status, { "content-type": "application/json" }).end(r.body);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    captured,
    hold,
    setTarget: (base) => {
      target = base.replace(/\/+$/, "");
    },
    send,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
