/**
 * What a callback endpoint's delivery actor needs from the outside world; services/main.ts wires
 * the real ports (the delivery log in PostgreSQL, the HTTP sender).
 */

import type { CallbackSender } from "../../core/callbacks/sender.js";
import type { Logger } from "../../core/logger.js";

export interface CallbackEndpoint {
  url: string;
  secret: string;
  enabled: boolean;
}

export interface DueCallback {
  id: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  firstAttemptAt: Date | null;
}

export interface CallbackAttempt {
  id: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  errorCode: string | null;
  next: { delivered: true } | { retryAt: Date } | { failed: true };
}

export interface CallbackSettings {
  /** How long a delivery is retried, from its first attempt, before the endpoint is disabled. */
  retryPeriodMs: number;
  /** Requests in flight to one endpoint at once. */
  concurrency: number;
  /** Requests started per second to one endpoint. */
  ratePerSecond: number;
  /** Deliveries taken per round. */
  batchSize: number;
  /** A drain gives the endpoint this long, then lets a reminder continue (other actors get the host). */
  drainBudgetMs: number;
  /** First retry delay; doubles per attempt. */
  baseDelayMs: number;
}

export interface CallbackPorts {
  log: Logger;
  now(): number;
  settings: CallbackSettings;
  sender: CallbackSender;
  endpoint(id: string): Promise<CallbackEndpoint | undefined>;
  due(endpointId: string, now: Date, limit: number): Promise<DueCallback[]>;
  record(attempts: CallbackAttempt[]): Promise<void>;
  /** When the next delivery is due, counting only the oldest pending one of each ordering key. */
  nextDueAt(endpointId: string): Promise<Date | undefined>;
  disable(endpointId: string, reason: string, now: Date): Promise<void>;
}

let current: CallbackPorts | undefined;

export function setCallbackPorts(ports: CallbackPorts): void {
  current = ports;
}

export function callbackPorts(): CallbackPorts {
  if (!current) throw new Error("callback ports are not wired: the dispatcher must call setCallbackPorts at start-up");
  return current;
}
