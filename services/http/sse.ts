/**
 * A server-sent events stream of one group message's progress: an event whenever its row
 * changes (counters are folded into it in batches, so this is at most one event per poll), a
 * comment line every 15 s to keep proxies from closing an idle stream, and a final `end` event
 * when the campaign reaches a final status. Each stream polls the row by primary key.
 */

import type { Request, Response } from "express";

export interface ProgressStreamOptions<Row> {
  req: Request;
  res: Response;
  load: () => Promise<Row | undefined>;
  serialize: (row: Row) => object;
  isFinal: (row: Row) => boolean;
  intervalMs?: number;
  heartbeatMs?: number;
}

export async function streamProgress<Row>(o: ProgressStreamOptions<Row>): Promise<void> {
  const { res } = o;
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
  let closed = false;
  o.req.on("close", () => {
    closed = true;
  });
  let last = "";
  let seq = 0;
  let lastWrite = Date.now();
  const interval = o.intervalMs ?? 1_000;
  while (!closed) {
    const row = await o.load();
    if (!row) {
      res.write(`event: end\ndata: {"reason":"not_found"}\n\n`);
      break;
    }
    const data = JSON.stringify(o.serialize(row));
    if (data !== last) {
      last = data;
      res.write(`id: ${++seq}\nevent: progress\ndata: ${data}\n\n`);
      lastWrite = Date.now();
    } else if (Date.now() - lastWrite >= (o.heartbeatMs ?? 15_000)) {
      res.write(": keep-alive\n\n");
      lastWrite = Date.now();
    }
    if (o.isFinal(row)) {
      res.write(`event: end\ndata: ${data}\n\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  res.end();
}
