import type { Logger } from "../core/logger.js";
import type { Dispatcher } from "undici";
import { AfricasTalkingAdapter } from "./africastalking/adapter.js";
import { AdapterRegistry } from "./contract/registry.js";
import { EmailAdapter } from "./email/adapter.js";
import { MessengerAdapter } from "./messenger/adapter.js";
import { SmppAdapter } from "./smpp/adapter.js";
import { TelegramAdapter } from "./telegram/adapter.js";
import { TwilioAdapter } from "./twilio/adapter.js";
import { VonageAdapter } from "./vonage/adapter.js";
import { WhatsAppAdapter } from "./whatsapp/adapter.js";

export * from "./contract/index.js";
export { AfricasTalkingAdapter, EmailAdapter, MessengerAdapter, SmppAdapter, TelegramAdapter, TwilioAdapter, VonageAdapter, WhatsAppAdapter };
export { SmppSession } from "./smpp/session.js";

export interface RegistryOptions {
  logger?: Logger;
  dispatcher?: Dispatcher;
  /**
   * Base URL per provider key ("telegram", "whatsapp", "messenger", "twilio", "africastalking",
   * "vonage"), e.g. all pointing at the provider simulator in tests and drills.
   */
  baseUrls?: Partial<Record<string, string>>;
}

/** The registry of seed 000 §4: sms → twilio | africastalking | vonage; every other type → default. */
export function createAdapterRegistry(opts: RegistryOptions = {}): AdapterRegistry {
  const http = (key: string) => ({ logger: opts.logger, dispatcher: opts.dispatcher, baseUrl: opts.baseUrls?.[key] });
  return new AdapterRegistry()
    .register("sms", "twilio", () => new TwilioAdapter(http("twilio")))
    .register("sms", "africastalking", () => new AfricasTalkingAdapter(http("africastalking")))
    .register("sms", "vonage", () => new VonageAdapter(http("vonage")))
    .register("telegram", "default", () => new TelegramAdapter(http("telegram")))
    .register("whatsapp", "default", () => new WhatsAppAdapter(http("whatsapp")))
    .register("messenger", "default", () => new MessengerAdapter(http("messenger")))
    .register("email", "default", () => new EmailAdapter({ logger: opts.logger }))
    .register("smpp", "default", () => new SmppAdapter({ logger: opts.logger }));
}
