import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, withTrace } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("redacts secret fields wherever the redaction paths name them", () => {
    const { lines, destination } = capture();
    const log = createLogger("t", { destination });
    log.info(
      { credentials: { bot_token: "123:SECRET" }, req: { headers: { authorization: "Bearer abc" } }, password: "p4ss" },
      "x",
    );
    const out = lines.join("");
    expect(out).not.toContain("SECRET");
    expect(out).not.toContain("Bearer abc");
    expect(out).not.toContain("p4ss");
    expect(out).toContain("[redacted]");
  });

  it("stamps the trace id of the current request on each line, and only inside it", () => {
    const { lines, destination } = capture();
    const log = createLogger("t", { destination });
    withTrace({ traceId: "abc123" }, () => log.info("inside"));
    log.info("outside");
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; traceId?: string });
    expect(parsed.find((l) => l.msg === "inside")?.traceId).toBe("abc123");
    expect(parsed.find((l) => l.msg === "outside")?.traceId).toBeUndefined();
  });
});
