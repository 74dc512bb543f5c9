/**
 * The table-driven suites every HTTP adapter's tests run: each send case's outcome, and that no declared
 * secret surfaces in logs, results or errors.
 */

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ChannelAdapter, HttpAdapterOptions } from "../contract/contract.js";
import { SendError, type SendErrorKind } from "../../core/dispatch/send-error.js";
import { DispatchPayload, type DispatchPayloadInput, type DispatchResult } from "../contract/types.js";
import { captureLogger } from "./capture-logger.js";
import { MockProvider, type CapturedRequest, type ProviderReply } from "./mock-provider.js";

export interface ExpectedError {
  kind: SendErrorKind;
  code: string;
  providerCode?: string | null;
  retryAfterMs?: number | null;
  optOut?: boolean;
}

export interface SendCase {
  name: string;
  /** Overrides merged into the suite's base payload. */
  payload?: Partial<DispatchPayloadInput>;
  /** The provider's answer; omit with `refusedBeforeSend` when no request may be made. */
  reply?: ProviderReply | { networkError: string };
  ok?: { providerMessageId: string; metadata?: Record<string, unknown> };
  error?: ExpectedError;
  /** The adapter must refuse without contacting the provider (e.g. WhatsApp care window). */
  refusedBeforeSend?: boolean;
  request?: (req: CapturedRequest) => void;
}

export interface SendSuite {
  adapter: (opts: HttpAdapterOptions) => ChannelAdapter;
  origin: string;
  method: string;
  path: string | RegExp | ((p: string) => boolean);
  basePayload: DispatchPayloadInput;
  cases: SendCase[];
}

export function payload(base: DispatchPayloadInput, overrides: Partial<DispatchPayloadInput> = {}): DispatchPayload {
  return DispatchPayload.parse({
    ...base,
    ...overrides,
    metadata: { ...base.metadata, ...overrides.metadata },
    credentials: { ...base.credentials, ...overrides.credentials },
  });
}

export function basePayload(
  fields: Omit<DispatchPayloadInput, "messageId" | "channelId"> & Partial<DispatchPayloadInput>,
): DispatchPayloadInput {
  return { messageId: randomUUID(), channelId: randomUUID(), ...fields };
}

interface CaseOutcome {
  result?: DispatchResult;
  error?: unknown;
  provider: MockProvider;
  logs: string;
}

async function runCase(suite: SendSuite, c: SendCase): Promise<CaseOutcome> {
  const provider = new MockProvider(suite.origin);
  const { logger, output } = captureLogger();
  if (c.reply && "networkError" in c.reply)
    provider.replyWithNetworkError(suite.method, suite.path, c.reply.networkError);
  else if (c.reply) provider.reply(suite.method, suite.path, c.reply);
  const adapter = suite.adapter({ dispatcher: provider.agent, baseUrl: suite.origin, logger });
  try {
    const result = await adapter.send(payload(suite.basePayload, c.payload));
    return { result, provider, logs: output() };
  } catch (error) {
    return { error, provider, logs: output() };
  } finally {
    await provider.close();
  }
}

/** The table-driven send suite every HTTP adapter runs: success, each error class, request shape. */
export function describeSendCases(title: string, suite: SendSuite): void {
  describe(title, () => {
    it.each(suite.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const outcome = await runCase(suite, c);
      if (c.ok) {
        expect(outcome.error).toBeUndefined();
        expect(outcome.result?.success).toBe(true);
        expect(outcome.result?.providerMessageId).toBe(c.ok.providerMessageId);
        if (c.ok.metadata) expect(outcome.result?.metadata).toMatchObject(c.ok.metadata);
      }
      if (c.error) {
        expect(outcome.error).toBeInstanceOf(SendError);
        const err = outcome.error as SendError;
        expect({ kind: err.kind, code: err.code }).toEqual({ kind: c.error.kind, code: c.error.code });
        if (c.error.providerCode !== undefined) expect(err.providerCode).toBe(c.error.providerCode);
        if (c.error.retryAfterMs !== undefined) expect(err.retryAfterMs).toBe(c.error.retryAfterMs);
        if (c.error.optOut !== undefined) expect(err.optOut).toBe(c.error.optOut);
      }
      if (c.refusedBeforeSend) expect(outcome.provider.requests).toHaveLength(0);
      if (c.request) {
        expect(outcome.provider.requests).toHaveLength(1);
        c.request(outcome.provider.requests[0]!);
      }
    });
  });
}

/**
 * Declared secret fields must never surface: run every case and look for each secret value in
 * the log output, the result, and the error (message, JSON form and stack).
 */
export function describeSecretHygiene(title: string, suite: SendSuite, secretFields: readonly string[]): void {
  describe(title, () => {
    const secrets = secretFields
      .map((field) => suite.basePayload.credentials[field])
      .filter((v): v is string => typeof v === "string");

    it("declares secret fields present in the test credentials", () => {
      expect(secretFields.length).toBeGreaterThan(0);
      expect(secrets).toHaveLength(secretFields.length);
    });

    it.each(suite.cases.map((c) => [c.name, c] as const))("no secret leaks: %s", async (_name, c) => {
      const outcome = await runCase(suite, c);
      const err = outcome.error as Error | undefined;
      const surfaces = [
        outcome.logs,
        JSON.stringify(outcome.result ?? null),
        err ? `${err.message}\n${JSON.stringify(err)}\n${err.stack ?? ""}` : "",
      ].join("\n");
      expect(outcome.logs.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        expect(surfaces.includes(secret), `secret leaked in case "${c.name}"`).toBe(false);
        expect(surfaces.includes(encodeURIComponent(secret))).toBe(false);
      }
    });
  });
}
