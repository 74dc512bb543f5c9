import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterRegistry, outboundPolicy } from "../../adapters/registry.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { startSimulator, type RunningSimulator } from "./simulator.js";

/**
 * Each provider's credential probe (the request its adapter's verifyCredentials makes) against the
 * simulator: accepted for good credentials, and refused the way the provider documents it for a
 * credential the simulator is told to reject.
 */
const BAD = "sim-rejected-secret";
/** Telegram checks a token's shape before it asks; SMPP passwords are at most 8 characters. */
const BAD_BOT_TOKEN = "7000000002:SIMrejectedSIMrejectedSIM";
const BAD_SMPP_PASSWORD = "rejected";
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    httpPort: 0,
    smtpPort: 0,
    smppPort: 0,
    rejectedCredentials: [BAD, BAD_BOT_TOKEN, BAD_SMPP_PASSWORD],
  });
});
afterAll(async () => sim.stop());

const registry = () =>
  createAdapterRegistry({
    // The simulator listens on loopback, which only the operator's allow-list opens.
    outbound: outboundPolicy("127.0.0.1"),
    baseUrls: Object.fromEntries(
      ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"].map((p) => [p, sim.httpUrl]),
    ),
  });

interface Probe {
  channelType: ChannelType;
  provider: string;
  good: () => Record<string, unknown>;
  /** The secret field the provider checks, and a value the simulator rejects (BAD unless said). */
  secret: string;
  bad?: string;
  /** The provider's own words for the refusal, as the adapter reports them. */
  reason: RegExp;
}

const probes: Array<[string, Probe]> = [
  [
    "telegram getMe",
    {
      channelType: "telegram",
      provider: "default",
      good: () => ({ bot_token: "7000000001:SIMtokenSIMtokenSIMtoken" }),
      secret: "bot_token",
      bad: BAD_BOT_TOKEN,
      reason: /Unauthorized/,
    },
  ],
  [
    "whatsapp phone number look-up",
    {
      channelType: "whatsapp",
      provider: "default",
      good: () => ({
        access_token: "sim-access-token-000",
        phone_number_id: "300000000000001",
        app_secret: "sim-meta-app-secret",
        verify_token: "sim-verify-token",
      }),
      secret: "access_token",
      reason: /Invalid OAuth access token/,
    },
  ],
  [
    "messenger page look-up",
    {
      channelType: "messenger",
      provider: "default",
      good: () => ({
        page_access_token: "sim-page-token-000",
        page_id: "100000000000001",
        app_secret: "sim-meta-app-secret",
        verify_token: "sim-verify-token",
      }),
      secret: "page_access_token",
      reason: /Invalid OAuth access token/,
    },
  ],
  [
    "twilio account fetch",
    {
      channelType: "sms",
      provider: "twilio",
      good: () => ({
        account_sid: "AC" + "1".repeat(32),
        auth_token: "sim-twilio-auth-token-0001",
        from: "+15005550006",
      }),
      secret: "auth_token",
      reason: /Authenticate/,
    },
  ],
  [
    "africa's talking user data",
    {
      channelType: "sms",
      provider: "africastalking",
      good: () => ({
        username: "sandbox",
        api_key: "sim-at-api-key-00000001",
        webhook_token: "sim-at-webhook-token-0001",
      }),
      secret: "api_key",
      reason: /The supplied authentication is invalid/,
    },
  ],
  [
    "vonage balance",
    {
      channelType: "sms",
      provider: "vonage",
      good: () => ({
        api_key: "simkey01",
        api_secret: "sim-vonage-api-secret",
        from: "Turumba",
        signature_secret: "sim-vonage-signature-secret",
      }),
      secret: "api_secret",
      reason: /authentication failed/,
    },
  ],
  [
    "smtp login",
    {
      channelType: "email",
      provider: "default",
      good: () => ({
        smtp_host: "127.0.0.1",
        smtp_port: sim.smtpPort,
        require_tls: false,
        smtp_username: "mailer",
        smtp_password: "sim-smtp-password",
        from_email: "news@example.org",
      }),
      secret: "smtp_password",
      reason: /535/,
    },
  ],
  [
    "smpp bind",
    {
      channelType: "smpp",
      provider: "default",
      good: () => ({
        host: "127.0.0.1",
        port: sim.smppPort,
        system_id: "turumba",
        password: "secret",
        source_addr: "TURUMBA",
      }),
      secret: "password",
      bad: BAD_SMPP_PASSWORD,
      reason: /ESME_RINVPASWD/,
    },
  ],
];

describe("credential probes against the simulator", () => {
  it.each(probes)("%s: good credentials are accepted, a rejected one refused", async (_n, p) => {
    const adapter = registry().get(p.channelType, p.provider);
    await expect(adapter.verifyCredentials(p.good())).resolves.toEqual({ valid: true });
    const refused = await adapter.verifyCredentials({ ...p.good(), [p.secret]: p.bad ?? BAD });
    expect(refused).toMatchObject({
      valid: false,
      code: "provider_auth_failed",
      reason: expect.stringMatching(p.reason),
    });
  });
});
