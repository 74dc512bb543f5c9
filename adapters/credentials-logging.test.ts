import { describe, expect, it } from "vitest";
import { logLines } from "../core/testkit/log-lines.js";
import { createLogger } from "../core/logger.js";
import { PLUGINS } from "./registry.js";
import { providerKey } from "./contract/plugin.js";

/** The keys of a zod object schema, also when it is wrapped in a refinement. */
function schemaKeys(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } };
  return Object.keys(s.shape ?? s.def?.in?.shape ?? {});
}

describe("a channel's credentials never reach the logs", () => {
  it.each(PLUGINS.map((p) => [providerKey(p), p] as const))("%s", (key, plugin) => {
    const fields = schemaKeys(plugin.credentials.schema);
    expect(fields.length).toBeGreaterThan(0);
    const secrets = plugin.credentials.secretFields.map((f) => `S3CR3T-${key}-${f}-value`);
    const creds: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, `plain-${f}`]));
    plugin.credentials.secretFields.forEach((f, i) => (creds[f] = secrets[i]));
    const { lines, destination } = logLines();
    const log = createLogger("t", { destination });
    // However a careless call site names it: at the top, under any key, nested, in a list.
    log.info(creds, "top level");
    log.info({ provider: creds }, "one level");
    log.info({ channel: { settings: creds } }, "two levels");
    log.info({ a: { b: { c: { d: creds } } } }, "deep");
    log.info({ list: [creds] }, "in a list");
    log.child({ creds }).info("in bindings");
    const out = lines.join("");
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(lines).toHaveLength(6);
  });

  it("signature headers, authorization and cookies are redacted", () => {
    const { lines, destination } = logLines();
    const log = createLogger("t", { destination });
    const headers = {
      authorization: "Bearer tok-1",
      cookie: "sid=cookie-2",
      "set-cookie": ["sid=cookie-3"],
      "x-twilio-signature": "sig-4",
      "x-hub-signature-256": "sha256=sig-5",
      "x-telegram-bot-api-secret-token": "sig-6",
      "x-twilio-email-event-webhook-signature": "sig-7",
      "x-api-key": "key-8",
      "dapr-api-token": "tok-9",
    };
    log.info({ req: { headers } }, "request");
    log.info({ headers }, "headers");
    log.info({ response: { headers } }, "nested headers");
    const out = lines.join("");
    for (const v of ["tok-1", "cookie-2", "cookie-3", "sig-4", "sig-5", "sig-6", "sig-7", "key-8", "tok-9"])
      expect(out).not.toContain(v);
  });
});
