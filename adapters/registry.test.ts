import { describe, expect, it } from "vitest";
import { createAdapterRegistry } from "./index.js";

describe("adapter registry", () => {
  const registry = createAdapterRegistry();
  it.each([
    ["sms", "twilio", "twilio"],
    ["sms", "africastalking", "africastalking"],
    ["sms", "vonage", "vonage"],
    ["telegram", undefined, "default"],
    ["whatsapp", null, "default"],
    ["messenger", "default", "default"],
    ["email", undefined, "default"],
    ["smpp", undefined, "default"],
  ] as const)("%s/%s resolves", (type, provider, expected) => {
    const adapter = registry.get(type, provider);
    expect(adapter.channelType).toBe(type);
    expect(adapter.provider).toBe(expected);
    expect(adapter.secretFields.length).toBeGreaterThan(0);
    expect(registry.get(type, provider)).toBe(adapter);
  });

  it("unknown combinations are an error, not a silent fallback", () => {
    expect(() => registry.get("sms")).toThrow(/no adapter registered for channel type "sms"/);
    expect(() => registry.get("sms", "nexmo")).toThrow();
    expect(registry.has("sms", "twilio")).toBe(true);
    expect(registry.list()).toHaveLength(8);
  });

  it("every declared secret field exists in the adapter's credentials schema", () => {
    for (const { channelType, provider } of registry.list()) {
      const adapter = registry.get(channelType, provider);
      const shape = (adapter.credentialsSchema as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } });
      const keys = Object.keys(shape.shape ?? shape.def?.in?.shape ?? {});
      for (const field of adapter.secretFields) expect(keys, `${channelType}/${provider}`).toContain(field);
    }
  });
});
