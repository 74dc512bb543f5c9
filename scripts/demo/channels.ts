/**
 * The demo's channels: one of every type, each pointed at the provider simulator, with the
 * credentials the simulator signs its webhooks with, so receipts and inbound messages come back
 * through the platform's own receivers exactly as they would from the providers.
 */

export interface DemoChannel {
  /** Label in the summary: the channel type, and the provider for SMS. */
  label: string;
  /** The simulator's name for the provider (its stats and webhook settings are keyed by it). */
  simProvider: "telegram" | "whatsapp" | "messenger" | "twilio" | "africastalking" | "vonage" | "smpp" | "smtp";
  body: Record<string, unknown>;
  address: (i: number) => string;
  /** Channel options of the single messages (POST /v1/messages channel_options). */
  options?: Record<string, unknown>;
  /** Does the provider report delivery (receipt webhooks or SMPP delivery receipts)? */
  receipts: boolean;
  /** The channel's rate (messages a minute) and burst, where the demo's defaults do not suit it. */
  rateLimit?: number;
  burst?: number;
}

const AT_WEBHOOK_TOKEN = "demo-at-webhook-token-01";
const pad = (i: number) => String(i).padStart(5, "0");

export function demoChannels(sim: { smppPort: number; smtpPort: number }): DemoChannel[] {
  return [
    {
      label: "sms/twilio",
      simProvider: "twilio",
      receipts: true,
      body: {
        channel_type: "sms",
        provider: "twilio",
        credentials: { account_sid: `AC${"1".repeat(32)}`, auth_token: "demo-twilio-auth-token", from: "+15005550006" },
      },
      address: (i) => `+2519120${pad(i)}`,
    },
    {
      label: "sms/africastalking",
      simProvider: "africastalking",
      receipts: true,
      body: {
        channel_type: "sms",
        provider: "africastalking",
        credentials: { username: "sandbox", api_key: "demo-at-api-key-000001", webhook_token: AT_WEBHOOK_TOKEN },
      },
      address: (i) => `+2547110${pad(i)}`,
    },
    {
      label: "sms/vonage",
      simProvider: "vonage",
      receipts: true,
      body: {
        channel_type: "sms",
        provider: "vonage",
        credentials: {
          api_key: "demokey1",
          api_secret: "demo-vonage-secret",
          from: "Turumba",
          signature_secret: "sim-vonage-signature-secret",
        },
      },
      address: (i) => `+4477009${pad(i)}`,
    },
    {
      label: "smpp",
      simProvider: "smpp",
      receipts: true,
      body: {
        channel_type: "smpp",
        credentials: {
          host: "127.0.0.1",
          port: sim.smppPort,
          system_id: "turumba",
          password: "secret",
          source_addr: "TURUMBA",
        },
      },
      address: (i) => `+2519130${pad(i)}`,
    },
    {
      label: "whatsapp",
      simProvider: "whatsapp",
      receipts: true,
      body: {
        channel_type: "whatsapp",
        credentials: {
          access_token: "demo-access-token",
          phone_number_id: "300000000000001",
          app_secret: "sim-meta-app-secret",
          verify_token: "demo-verify-token",
        },
      },
      address: (i) => `+2519110${pad(i)}`,
      // A business phone number's default throughput is 80 messages a second:
      // https://developers.facebook.com/docs/whatsapp/throughput
      rateLimit: 4_800,
      burst: 80,
      // Nobody wrote in first, so the 24-hour customer-care window is closed: an approved template.
      options: {
        template: {
          name: "turumba_demo_update",
          language: "en",
          components: [{ type: "body", parameters: [{ type: "text", text: "Turumba" }] }],
        },
      },
    },
    {
      label: "messenger",
      simProvider: "messenger",
      receipts: true,
      body: {
        channel_type: "messenger",
        credentials: {
          page_access_token: "demo-page-token",
          page_id: "100000000000001",
          app_secret: "sim-meta-app-secret",
          verify_token: "demo-verify-token",
        },
      },
      address: (i) => String(6723591800000000 + i),
    },
    // Telegram's Bot API and SMTP report no delivery: their messages end as sent.
    {
      label: "telegram",
      simProvider: "telegram",
      receipts: false,
      body: { channel_type: "telegram", credentials: { bot_token: "7000000001:DEMOtokenDEMOtokenDEMOtoken" } },
      address: (i) => String(800000 + i),
    },
    {
      label: "email",
      simProvider: "smtp",
      receipts: false,
      // Small send turns: on the embedded set a channel's turn holds up the in-memory broker's
      // publishes while it runs (each nudge waits for it), and 200 mails over five SMTP
      // connections take over 3 s here, close to the 5 s publish timeout; 50 take under one.
      rateLimit: 3_000,
      burst: 50,
      body: {
        channel_type: "email",
        credentials: {
          smtp_host: "127.0.0.1",
          smtp_port: sim.smtpPort,
          require_tls: false,
          from_email: "demo@turumba.test",
        },
      },
      address: (i) => `user${i}@example.test`,
    },
  ];
}

/** Where the simulator posts each provider's receipts: the platform's receiver for that channel. */
export function simulatorWebhooks(
  apiBase: string,
  channels: DemoChannel[],
  ids: Map<string, string>,
): Record<string, { webhookUrl: string }> {
  const out: Record<string, { webhookUrl: string }> = {};
  for (const ch of channels) {
    if (!ch.receipts || ch.simProvider === "smpp") continue;
    const type = String(ch.body.channel_type);
    const query = ch.simProvider === "africastalking" ? `?token=${AT_WEBHOOK_TOKEN}` : "";
    out[ch.simProvider] = { webhookUrl: `${apiBase}/webhooks/${type}/${ids.get(ch.label)}${query}` };
  }
  return out;
}
