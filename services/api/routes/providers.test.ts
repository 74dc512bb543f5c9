import { describe, expect, it } from "vitest";
import { PLUGINS } from "../../../adapters/registry.js";
import { credentialFields } from "./providers.js";

describe("credentialFields", () => {
  it("lists every provider's credential fields, marking exactly the plugin's secret fields", () => {
    for (const p of PLUGINS) {
      const fields = credentialFields(p.credentials.schema, p.credentials.secretFields);
      expect(fields.length, p.provider).toBeGreaterThan(0);
      const secret = fields.filter((f) => f.secret).map((f) => f.name);
      expect(secret.sort(), `${p.channelType}/${p.provider}`).toEqual(
        p.credentials.secretFields.filter((f) => fields.some((x) => x.name === f)).sort(),
      );
    }
  });

  it("says which fields are required and their type", () => {
    const twilio = PLUGINS.find((p) => p.provider === "twilio")!;
    const fields = credentialFields(twilio.credentials.schema, twilio.credentials.secretFields);
    expect(fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "account_sid", type: "string", required: true, secret: false }),
        expect.objectContaining({ name: "auth_token", type: "string", required: true, secret: true }),
      ]),
    );
  });
});
