/**
 * W3C trace context helpers. Dapr propagates `traceparent` on pub/sub and service invocation,
 * so we read it when present and mint one when a request starts with none.
 */

import { randomBytes } from "node:crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | undefined): { traceId: string; spanId: string } | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m || m[1] === "0".repeat(32)) return undefined;
  return { traceId: m[1]!, spanId: m[2]! };
}

export function newTraceparent(traceId = randomBytes(16).toString("hex")): string {
  return `00-${traceId}-${randomBytes(8).toString("hex")}-01`;
}
