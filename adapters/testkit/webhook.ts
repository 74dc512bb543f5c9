/**
 * Test support: webhook requests as a provider sends them (JSON or form body), and the provider
 * fixtures stored beside each test.
 */

import { readFileSync } from "node:fs";
import type { WebhookRequest } from "../contract/types.js";

export function webhookRequest(init: Partial<WebhookRequest> & { rawBody: string }): WebhookRequest {
  return { method: "POST", url: "https://hooks.example.test/webhooks/x", headers: {}, ...init };
}

export function jsonWebhook(body: unknown, init: Partial<WebhookRequest> = {}): WebhookRequest {
  return webhookRequest({
    rawBody: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

export function formWebhook(fields: Record<string, string>, init: Partial<WebhookRequest> = {}): WebhookRequest {
  return webhookRequest({
    rawBody: new URLSearchParams(fields).toString(),
    ...init,
    headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers },
  });
}

/** Read a fixture file next to a test: `fixture(import.meta.url, "send-ok.json")`. */
export function fixture(testUrl: string, name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, testUrl), "utf8");
}

export function fixtureJson<T = unknown>(testUrl: string, name: string): T {
  return JSON.parse(fixture(testUrl, name)) as T;
}
