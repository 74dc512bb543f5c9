/**
 * Test support: a destination for a pino logger that keeps every line it writes in memory, so a
 * test can assert what was logged (and that no secret or personal data was).
 */

import { Writable } from "node:stream";

export function logLines(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination };
}
