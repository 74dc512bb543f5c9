import { describe, expect, it } from "vitest";
import { logLines } from "./testkit/log-lines.js";
import { loadConfig } from "./config.js";
import { createLogger, withTrace } from "./logger.js";

describe("logger", () => {
  it("redacts secret fields wherever the redaction paths name them", () => {
    const { lines, destination } = logLines();
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
    const { lines, destination } = logLines();
    const log = createLogger("t", { destination });
    withTrace({ traceId: "abc123" }, () => log.info("inside"));
    log.info("outside");
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; traceId?: string });
    expect(parsed.find((l) => l.msg === "inside")?.traceId).toBe("abc123");
    expect(parsed.find((l) => l.msg === "outside")?.traceId).toBeUndefined();
  });

  const pii = {
    deliveryAddress: "+254712345678",
    to: "alice@example.com",
    from: "+14155550100",
    phone: "+447700900123",
    email: "bob@example.org",
    address: "+33612345678",
    messageBody: "your code is 123456",
    body: "meet me at 5",
    text: "private words",
    message_body: "snake case body",
    delivery_address: "+61412345678",
  };

  it("masks phone numbers, e-mail addresses and message bodies by default", () => {
    const { lines, destination } = logLines();
    const log = createLogger("t", { destination });
    log.info(pii, "top");
    log.info({ message: pii }, "nested");
    const out = lines.join("");
    for (const v of Object.values(pii)) expect(out).not.toContain(v);
    const top = JSON.parse(lines[0]!) as Record<string, string>;
    // Enough stays to tell lines apart: the tail of a number, the domain of an address, a length.
    expect(top.deliveryAddress).toMatch(/678$/);
    expect(top.to).toMatch(/@example\.com$/);
    expect(top.messageBody).toMatch(/19 characters/);
  });

  it("shows them when the operator turns masking off for debugging", () => {
    const { lines, destination } = logLines();
    const log = createLogger("t", { destination, logPii: true });
    log.info({ message: pii }, "nested");
    const out = lines.join("");
    for (const v of Object.values(pii)) expect(out).toContain(v);
  });

  it("LOG_PII is a setting of the configuration", () => {
    expect(loadConfig({}).LOG_PII).toBe(false);
    expect(loadConfig({ LOG_PII: "true" }).LOG_PII).toBe(true);
  });
});
