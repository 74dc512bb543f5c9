/**
 * Test support: a logger whose output an adapter test reads, to assert what was logged and that no
 * secret was.
 */

import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../core/logger.js";

/** A real pino logger at trace level whose output is kept in memory for assertions. */
export function captureLogger(name = "adapter-test"): { logger: Logger; output: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger(name, { level: "trace", destination });
  return { logger, output: () => chunks.join("") };
}
