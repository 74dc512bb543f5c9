import { describe, expect, it } from "vitest";
import { CHANNEL_TYPES } from "../core/messages/vocabulary.js";
import { providerKey } from "./contract/plugin.js";
import type { WebhookRequest } from "./contract/types.js";
import {
  PLUGINS,
  accountLimitFor,
  parseAccountRates,
  accountRatePerMinute,
  automaticallyRegistered,
  createAdapterRegistry,
  credentialKind,
  providerKeys,
  providerNames,
  providerPlugin,
  verifyChannelCredentials,
  webhookCredentials,
  webhookPathKeys,
} from "./registry.js";
import { MockProvider, webhookRequest } from "./testkit/index.js";

/** The keys of a zod object schema, also when it is wrapped in a refinement. */
function schemaKeys(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } };
  return Object.keys(s.shape ?? s.def?.in?.shape ?? {});
}

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
    expect(registry.list()).toHaveLength(PLUGINS.length);
  });

  it("passes each provider's base URL to its adapter", async () => {
    const provider = new MockProvider("http://simulator.test");
    provider.reply("POST", /\/getMe$/, { status: 200, body: { ok: true, result: { id: 1 } } });
    const adapters = createAdapterRegistry({
      dispatcher: provider.agent,
      baseUrls: { telegram: "http://simulator.test" },
    });
    await expect(
      adapters.get("telegram").verifyCredentials({ bot_token: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
    ).resolves.toEqual({ valid: true });
    await provider.close();
  });
});

describe("verifyChannelCredentials", () => {
  const token = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const telegram = { channelType: "telegram" as const, provider: "default" };
  it.each([
    ["accepted", { status: 200, body: { ok: true, result: { id: 1 } } }, { outcome: "valid" }],
    [
      "refused, the provider's reason named and scrubbed of the secret it quotes",
      { status: 401, body: { ok: false, error_code: 401, description: `Unauthorized: bot${token} is revoked` } },
      { outcome: "invalid", code: "provider_auth_failed", reason: "Unauthorized: bot[redacted] is revoked" },
    ],
    [
      "the provider failing: no answer, with its Retry-After",
      {
        status: 502,
        body: { ok: false, error_code: 502, description: "Bad Gateway" },
        headers: { "retry-after": "7" },
      },
      { outcome: "unavailable", code: "provider_unavailable", retryAfterMs: 7000 },
    ],
    ["the provider unreachable: no answer", { networkError: "ECONNREFUSED" }, { outcome: "unavailable" }],
  ] as const)("%s", async (_n, reply, expected) => {
    const provider = new MockProvider("http://simulator.test");
    if ("networkError" in reply) provider.replyWithNetworkError("POST", /\/getMe$/, reply.networkError);
    else provider.reply("POST", /\/getMe$/, reply);
    const adapters = createAdapterRegistry({
      dispatcher: provider.agent,
      baseUrls: { telegram: "http://simulator.test" },
    });
    const verdict = await verifyChannelCredentials(adapters, telegram, { bot_token: token });
    expect(verdict).toMatchObject(expected);
    expect(JSON.stringify(verdict)).not.toContain(token);
    await provider.close();
  });
});

describe("provider plugins", () => {
  it.each(PLUGINS.map((p) => [`${p.channelType}/${p.provider}`, p] as const))(
    "%s: the adapter it builds agrees with the descriptor",
    (_n, plugin) => {
      const adapter = plugin.createAdapter({});
      expect([adapter.channelType, adapter.provider]).toEqual([plugin.channelType, plugin.provider]);
      expect(adapter.credentialsSchema).toBe(plugin.credentials.schema);
      expect(adapter.secretFields).toEqual(plugin.credentials.secretFields);
    },
  );

  it.each(PLUGINS.map((p) => [`${p.channelType}/${p.provider}`, p] as const))(
    "%s: every secret field exists in the credentials schema",
    (_n, plugin) => {
      const keys = schemaKeys(plugin.credentials.schema);
      expect(plugin.credentials.secretFields.length).toBeGreaterThan(0);
      for (const field of plugin.credentials.secretFields) expect(keys).toContain(field);
    },
  );

  it("channel type and provider, and the provider key (webhook path, base URL, log name), are each unique", () => {
    const pairs = PLUGINS.map((p) => `${p.channelType}/${p.provider}`);
    expect(new Set(pairs).size).toBe(PLUGINS.length);
    expect(new Set(PLUGINS.map(providerKey)).size).toBe(PLUGINS.length);
    // A provider key never names another channel type: /webhooks/{key}/{id} stays unambiguous.
    for (const p of PLUGINS) if (p.provider !== "default") expect(CHANNEL_TYPES).not.toContain(providerKey(p));
  });

  it("every channel type has providers with a credential schema; sms has no default", () => {
    for (const type of CHANNEL_TYPES) {
      expect(providerKeys(type).length, type).toBeGreaterThan(0);
      for (const p of providerKeys(type)) expect(credentialKind(type, p)).toBeDefined();
    }
    expect(providerKeys("sms")).toEqual(["twilio", "africastalking", "vonage"]);
    expect(providerKeys("telegram")).toEqual(["default"]);
    expect(credentialKind("sms", "default")).toBeUndefined();
    expect(providerNames()).toEqual(["twilio", "africastalking", "vonage", "default"]);
  });

  it("webhook paths take every channel type and each sms provider's key", () => {
    expect([...webhookPathKeys()].sort()).toEqual([...CHANNEL_TYPES, "twilio", "africastalking", "vonage"].sort());
  });

  it.each(PLUGINS.map((p) => [`${p.channelType}/${p.provider}`, p] as const))(
    "%s: setup steps name the webhook URL unless there is no webhook",
    (_n, plugin) => {
      const url = "https://hooks.example.test/webhooks/x/0b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b";
      const steps = plugin.webhooks.steps(url);
      expect(steps.length).toBeGreaterThan(0);
      if (plugin.webhooks.registration !== "none") expect(steps[0]).toContain(url);
      // A provider that takes webhooks can tell whether a request is signed; one that takes none cannot.
      expect(plugin.webhooks.hasSignature === undefined).toBe(plugin.webhooks.registration === "none");
    },
  );

  it("every sms provider has manual setup steps", () => {
    for (const provider of providerKeys("sms")) {
      const hooks = providerPlugin("sms", provider)!.webhooks;
      expect(hooks.registration).toBe("manual");
      expect(hooks.steps("https://h.test/webhooks/sms/1").length).toBeGreaterThan(0);
    }
  });

  it("automatic registration is Telegram's, and its adapter can register", () => {
    expect(automaticallyRegistered().map(providerKey)).toEqual(["telegram"]);
    for (const plugin of automaticallyRegistered())
      expect(plugin.createAdapter({}).registerWebhook).toBeTypeOf("function");
  });

  it("a channel's minted secret fills Telegram's webhook_secret unless the credentials name one", () => {
    const telegram = { channelType: "telegram", provider: "default" } as const;
    expect(webhookCredentials(telegram, { bot_token: "t" }, "minted")).toEqual({
      bot_token: "t",
      webhook_secret: "minted",
    });
    expect(webhookCredentials(telegram, { bot_token: "t", webhook_secret: "own" }, "minted")).toEqual({
      bot_token: "t",
      webhook_secret: "own",
    });
    expect(webhookCredentials({ channelType: "whatsapp", provider: "default" }, { app_secret: "a" }, "minted")).toEqual(
      { app_secret: "a" },
    );
  });
});

describe("webhook signature material", () => {
  const req = (over: Partial<WebhookRequest>) =>
    webhookRequest({ url: "https://hooks.example.test/webhooks/x/1", rawBody: "", ...over });
  it.each([
    ["telegram", "default", req({ headers: { "X-Telegram-Bot-Api-Secret-Token": "s" } }), true],
    ["telegram", "default", req({ headers: { "x-hub-signature-256": "sha256=00" } }), false],
    ["whatsapp", "default", req({ headers: { "x-hub-signature-256": "sha256=00" } }), true],
    ["messenger", "default", req({}), false],
    ["sms", "twilio", req({ headers: { "x-twilio-signature": "abc=" } }), true],
    ["sms", "twilio", req({ url: "https://h.test/w?token=abc" }), false],
    ["sms", "africastalking", req({ url: "https://h.test/w?token=abc" }), true],
    ["sms", "africastalking", req({ rawBody: "token=abc" }), false],
    ["sms", "vonage", req({ url: "https://h.test/w?msisdn=1&sig=abc" }), true],
    ["sms", "vonage", req({ rawBody: "msisdn=1&sig=abc" }), true],
    ["sms", "vonage", req({ rawBody: '{"msisdn":"1","sig":"abc"}' }), true],
    ["sms", "vonage", req({ rawBody: "msisdn=1&design=x" }), false],
    ["email", "default", req({ headers: { "x-twilio-email-event-webhook-signature": "MEUC" } }), true],
    ["email", "default", req({ url: "https://h.test/w?token=abc" }), true],
    ["email", "default", req({}), false],
  ] as const)("%s/%s #%#", (type, provider, request, expected) => {
    expect(providerPlugin(type, provider)!.webhooks.hasSignature!(request)).toBe(expected);
  });
});

describe("account-wide limits", () => {
  const twilio = { channelType: "sms", provider: "twilio", accountId: "tenant-a" } as const;
  const vonage = { channelType: "sms", provider: "vonage", accountId: "tenant-a" } as const;
  const at = { channelType: "sms", provider: "africastalking", accountId: "tenant-a" } as const;
  it.each([
    [
      "twilio",
      twilio,
      { account_sid: "AC1" },
      {},
      { scope: "provider:twilio:tenant-a:AC1", ratePerMinute: 6_000, burst: 100 },
    ],
    [
      "vonage",
      vonage,
      { api_key: "k1" },
      {},
      { scope: "provider:vonage:tenant-a:k1", ratePerMinute: 1_800, burst: 30 },
    ],
    [
      "africastalking",
      at,
      { username: "u1" },
      {},
      { scope: "provider:africastalking:tenant-a:u1", ratePerMinute: 3_000, burst: 50 },
    ],
    [
      "an operator's lower contracted rate lowers the burst to one second of it",
      twilio,
      { account_sid: "AC1" },
      { twilio: 600 },
      { scope: "provider:twilio:tenant-a:AC1", ratePerMinute: 600, burst: 10 },
    ],
    [
      "an operator's higher contracted rate keeps the provider's burst",
      vonage,
      { api_key: "k1" },
      { vonage: 9_000 },
      { scope: "provider:vonage:tenant-a:k1", ratePerMinute: 9_000, burst: 30 },
    ],
    [
      "another provider's setting does not apply",
      at,
      { username: "u1" },
      { twilio: 60 },
      { scope: "provider:africastalking:tenant-a:u1", ratePerMinute: 3_000, burst: 50 },
    ],
    ["credentials without the account field", twilio, {}, {}, undefined],
    [
      "a provider without account limits",
      { channelType: "telegram", provider: "default", accountId: "tenant-a" } as const,
      { bot_token: "x" },
      {},
      undefined,
    ],
    [
      "smpp",
      { channelType: "smpp", provider: "default", accountId: "tenant-a" } as const,
      { system_id: "x" },
      {},
      undefined,
    ],
  ] as const)("%s", (_n, channel, credentials, rates, expected) => {
    expect(accountLimitFor(channel, credentials, rates)).toEqual(expected);
  });

  it("two tenants naming the same provider account get separate buckets", () => {
    const sid = { account_sid: "AC0123456789abcdef0123456789abcdef" };
    const victim = accountLimitFor({ ...twilio, accountId: "victim" }, sid)!;
    const other = accountLimitFor({ ...twilio, accountId: "attacker" }, sid)!;
    expect(victim.scope).not.toBe(other.scope);
    expect(victim.scope).toContain("victim");
    // A tenant's two channels on one account still share one bucket.
    expect(accountLimitFor({ ...twilio, accountId: "victim" }, { ...sid, auth_token: "other" })!.scope).toBe(
      victim.scope,
    );
  });

  it("a channel's metadata cannot set the account's rate", () => {
    // What a tenant can write on its channel, passed where the channel's settings used to go.
    const metadata = { provider_account_rate_per_minute: 0.001 } as unknown as Record<string, number>;
    expect(accountLimitFor({ ...twilio, accountId: "attacker" }, { account_sid: "AC1" }, metadata)).toMatchObject({
      ratePerMinute: 6_000,
      burst: 100,
    });
    expect(accountRatePerMinute(twilio, metadata)).toBe(6_000);
  });

  it.each([
    [twilio, {}, 6_000],
    [vonage, {}, 1_800],
    [at, {}, 3_000],
    [twilio, { twilio: 120 }, 120],
    [{ channelType: "email", provider: "default" } as const, {}, undefined],
  ] as const)("account rate of %o with %o is %s", (channel, rates, expected) => {
    expect(accountRatePerMinute(channel, rates)).toBe(expected);
  });

  it.each([
    [undefined, {}],
    ['{"twilio": 12000, "vonage": 900}', { twilio: 12_000, vonage: 900 }],
  ])("PROVIDER_ACCOUNT_RATES %s", (json, expected) => {
    expect(parseAccountRates(json)).toEqual(expected);
  });

  it.each(['{"twilio": 0}', '{"twilio": "fast"}', "[600]"])("refuses PROVIDER_ACCOUNT_RATES %s", (json) => {
    expect(() => parseAccountRates(json)).toThrow(/PROVIDER_ACCOUNT_RATES/);
  });
});
