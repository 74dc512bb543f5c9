/**
 * A server-sent events stream of one group message's progress: an event whenever its row
 * changes (counters are folded into it in batches, so this is at most one event per poll), a
 * comment line every 15 s to keep proxies from closing an idle stream, and a final `end` event
 * when the campaign reaches a final status. Each stream polls the row by primary key, so streams
 * cost database work for as long as they stay open: each lives at most `maxLifetimeMs` (then it
 * closes without `end`, and EventSource clients reconnect after the `retry` delay), and the
 * route bounds how many one account holds at once (ConcurrencySlots).
 */

import type { Request, Response } from "express";

export interface ProgressStreamOptions<Row> {
  req: Request;
  res: Response;
  load: () => Promise<Row | undefined>;
  serialize: (row: Row) => object;
  isFinal: (row: Row) => boolean;
  /** The name of the events that carry a row; "progress" unless set. */
  event?: string;
  intervalMs?: number;
  heartbeatMs?: number;
  /** Closes the stream after this long (the client reconnects); unset: until the row is final. */
  maxLifetimeMs?: number;
}

export async function streamProgress<Row>(o: ProgressStreamOptions<Row>): Promise<void> {
  const { res } = o;
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
  // How long an EventSource waits before it reconnects to a stream that closed.
  res.write("retry: 1000\n\n");
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  o.req.on("close", onClose);
  res.on("close", onClose);
  const endsAt = o.maxLifetimeMs !== undefined ? Date.now() + o.maxLifetimeMs : Infinity;
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
      res.write(`id: ${++seq}\nevent: ${o.event ?? "progress"}\ndata: ${data}\n\n`);
      lastWrite = Date.now();
    } else if (Date.now() - lastWrite >= (o.heartbeatMs ?? 15_000)) {
      res.write(": keep-alive\n\n");
      lastWrite = Date.now();
    }
    if (o.isFinal(row)) {
      res.write(`event: end\ndata: ${data}\n\n`);
      break;
    }
    if (Date.now() >= endsAt) {
      res.write(": maximum lifetime reached; reconnect\n\n");
      break;
    }
    // A client that goes away ends the wait at once, so its slot is free again at once.
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, Math.min(interval, endsAt - Date.now()));
    });
  }
  res.end();
}
