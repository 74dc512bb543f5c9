/**
 * Stops an HTTP server without waiting on connections its clients keep reusing. `server.close()`
 * stops accepting connections and closes the idle ones once, but a keep-alive connection busy at
 * that moment stays open, and the sidecar keeps sending actor calls and reminders down it: a
 * dispatcher asked to stop went on firing a recurring schedule for its whole 10 s grace period
 * (4 sends during a restart test that allows 1). Once draining, every response asks the client to
 * close its connection, so each connection ends with the request it is serving.
 */

import type { Server } from "node:http";

export interface HttpDrain {
  /** Stops accepting connections; `onClosed` runs once the last connection has ended. */
  begin(onClosed: () => void): void;
}

export function httpDrain(server: Server): HttpDrain {
  let draining = false;
  // Before the app's own handler, so even a response it sends at once carries the close.
  server.prependListener("request", (_req, res) => {
    if (draining) res.shouldKeepAlive = false;
  });
  return {
    begin(onClosed) {
      if (draining) return;
      draining = true;
      server.close(() => onClosed());
      server.closeIdleConnections();
      // A response started before the drain keeps its connection alive: close that connection
      // as soon as it turns idle.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      sweep.unref();
      server.once("close", () => clearInterval(sweep));
    },
  };
}
