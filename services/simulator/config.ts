/**
 * The simulator's configuration (zod): its ports and accounts, how each provider behaves (latency, fault
 * rates, receipt outcomes, webhook URL) and the secrets it signs webhooks with.
 */

import { z } from "zod";

export const PROVIDERS = [
  "telegram",
  "whatsapp",
  "messenger",
  "twilio",
  "africastalking",
  "vonage",
  "smtp",
  "smpp",
] as const;
export type ProviderKey = (typeof PROVIDERS)[number];

/** Behaviour knobs for one provider. Rates are probabilities per request in [0, 1]. */
export const ProviderBehaviour = z.object({
  /** Added before answering: a fixed delay, or [min, max] drawn uniformly. */
  latencyMs: z
    .union([z.number().nonnegative(), z.tuple([z.number().nonnegative(), z.number().nonnegative()])])
    .default(0),
  /** Share of sends answered with the provider's server-error response. */
  errorRate: z.number().min(0).max(1).default(0),
  /** Share of sends answered with the provider's throttling response (HTTP 429 or its equivalent). */
  throttleRate: z.number().min(0).max(1).default(0),
  /**
   * Share of sends that never get an answer: the request is held for `timeoutMs` and its
   * connection then closed, as a provider that hangs does. Nothing is accepted.
   */
  timeoutRate: z.number().min(0).max(1).default(0),
  /** How long a timed-out send is held before its connection is closed (past the adapters' 15 s timeout). */
  timeoutMs: z.number().nonnegative().default(20_000),
  /** Delay before the delivery receipt webhook (or deliver_sm) goes out. */
  receiptDelayMs: z.number().nonnegative().default(50),
  /** Relative weights of receipt outcomes. */
  outcomes: z
    .object({ delivered: z.number().nonnegative().default(1), failed: z.number().nonnegative().default(0) })
    .default({ delivered: 1, failed: 0 }),
  /** Where status and inbound webhooks for this provider go, unless the send request names a callback. */
  webhookUrl: z.url().optional(),
  /**
   * Delays (ms) between redeliveries of a webhook the receiver did not take; unset, the
   * provider's own compressed schedule (webhooks.ts), empty for none.
   */
  webhookRetries: z.array(z.number().nonnegative()).max(50).optional(),
});
export type ProviderBehaviour = z.infer<typeof ProviderBehaviour>;

/** Secrets the simulator signs webhooks with; they must match the channel credentials under test. */
export const SigningSecrets = z.object({
  metaAppSecret: z.string().default("sim-meta-app-secret"),
  /** Twilio webhooks are signed with the auth token the send request authenticated with. */
  vonageSignatureSecret: z.string().default("sim-vonage-signature-secret"),
  vonageSignatureMethod: z.enum(["md5hash", "sha256"]).default("md5hash"),
});

export const SimulatorConfig = z.object({
  /** 0 picks a free port. The simulator only ever listens on 127.0.0.1. */
  httpPort: z.number().int().min(0).max(65535).default(4010),
  smtpPort: z.number().int().min(0).max(65535).default(2525),
  smppPort: z.number().int().min(0).max(65535).default(2775),
  /** SMPP and SMTP accounts the simulator accepts; unset means any. */
  smpp: z.object({ systemId: z.string().optional(), password: z.string().optional() }).default({}),
  smtp: z.object({ username: z.string().optional(), password: z.string().optional() }).default({}),
  signing: SigningSecrets.default({
    metaAppSecret: "sim-meta-app-secret",
    vonageSignatureSecret: "sim-vonage-signature-secret",
    vonageSignatureMethod: "md5hash",
  }),
  providers: z.partialRecord(z.enum(PROVIDERS), ProviderBehaviour).default({}),
  /**
   * Secrets every provider refuses, as it refuses a wrong or revoked one (a bot or access token, an
   * auth token, an API key or secret, an SMTP or SMPP password): each provider's credential probe
   * answers its documented rejection for them and accepts anything else.
   */
  rejectedCredentials: z.array(z.string().min(1)).default([]),
  /** Default outcome behaviour for providers not listed. */
  defaults: ProviderBehaviour.default(ProviderBehaviour.parse({})),
});
export type SimulatorConfig = z.infer<typeof SimulatorConfig>;
export type SimulatorConfigInput = z.input<typeof SimulatorConfig>;

export function behaviourOf(config: SimulatorConfig, provider: ProviderKey): ProviderBehaviour {
  return { ...config.defaults, ...config.providers[provider] };
}

/** Config from SIM_CONFIG (inline JSON) or SIM_CONFIG_FILE, with port overrides from the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv, readFile: (path: string) => string): SimulatorConfig {
  const raw = env.SIM_CONFIG
    ? JSON.parse(env.SIM_CONFIG)
    : env.SIM_CONFIG_FILE
      ? JSON.parse(readFile(env.SIM_CONFIG_FILE))
      : {};
  const ports = {
    ...(env.SIM_HTTP_PORT ? { httpPort: Number(env.SIM_HTTP_PORT) } : {}),
    ...(env.SIM_SMTP_PORT ? { smtpPort: Number(env.SIM_SMTP_PORT) } : {}),
    ...(env.SIM_SMPP_PORT ? { smppPort: Number(env.SIM_SMPP_PORT) } : {}),
  };
  return SimulatorConfig.parse({ ...raw, ...ports });
}
