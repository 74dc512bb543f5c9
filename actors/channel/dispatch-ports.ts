/**
 * Everything a channel actor's send turn needs from the outside world. The dispatcher wires
 * real implementations at start-up (services/dispatcher/wiring.ts); actors never import the
 * database driver or provider I/O libraries themselves.
 */

import type { Logger } from "../../core/logger.js";
import type { MessageOutcome } from "../../core/dispatch/outcome.js";
import type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";
import type { AttemptOutcome } from "../../core/dispatch/outcome.js";

export interface ChannelSnapshot {
  id: string;
  accountId: string;
  channelType: string;
  provider: string;
  status: string;
  isEnabled: boolean;
  rateLimit: number;
  burst: number | null;
  maxAttempts: number;
  /** A provider limit shared with other channels on the same provider account, if any. */
  providerAccount?: { scope: string; ratePerMinute: number; burst: number };
  /** The tenant account's send quota, if it has one. */
  quota?: { dailyLimit: number | null; monthlyLimit: number | null };
}

export type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";

/** A provider connection for one channel (an adapter bound to decrypted credentials). */
export interface ChannelSender {
  /** The adapter contract: resolves when the provider accepted the message, rejects with a SendError otherwise. */
  send(message: ClaimedMessage): Promise<{ providerMessageId: string | null }>;
  checkHealth(): Promise<{ status: "connected" | "disconnected" | "error"; errorMessage: string | null }>;
  close(): Promise<void>;
}

export interface DispatchPorts {
  log: Logger;
  now(): number;
  loadChannel(channelId: string): Promise<ChannelSnapshot | undefined>;
  /** Builds a sender from the channel's credentials, decrypted in memory only. */
  openSender(channelId: string): Promise<ChannelSender>;
  claim(channelId: string, limit: number, now: Date): Promise<ClaimedMessage[]>;
  recordClaims(claimed: ClaimedMessage[], now: Date, channelId: string): Promise<void>;
  applyOutcomes(outcomes: (MessageOutcome & { accountId: string })[], now: Date, channelId: string): Promise<number>;
  nextDueAt(channelId: string): Promise<Date | undefined>;
  setChannelStatus(channelId: string, status: string, reason: string | null): Promise<void>;
  hasQueued(channelId: string): Promise<boolean>;
  /** Moves the channel's queued messages that allow it to the next healthy channel; returns that channel. */
  failover(channelId: string, errorCode: string): Promise<{ toChannelId: string; moved: number } | undefined>;
  nudge(channelId: string): Promise<void>;
  /** Tokens from a limit shared across channels (a LimiterActor). */
  acquireShared(scope: string, n: number, ratePerMinute: number, burst: number): Promise<number>;
  /** Counts `n` sends against the account's quota; returns how many it allows. */
  consumeQuota(
    accountId: string,
    n: number,
    limits: { dailyLimit: number | null; monthlyLimit: number | null },
  ): Promise<number>;
  metrics: {
    dispatched(channelType: string, status: AttemptOutcome, n: number): void;
    dispatchSeconds(channelType: string, seconds: number): void;
    rateLimited(channelId: string): void;
    /** Retries of sends the provider may have accepted: they can duplicate, like a crash mid-send. */
    crashWindow(n: number): void;
  };
  config: {
    maxBatch: number;
    credentialsTtlMs: number;
    healthEveryMs: number;
    breakerThreshold: number;
    breakerOpenMs: number;
  };
}

let current: DispatchPorts | undefined;

export function setDispatchPorts(ports: DispatchPorts): void {
  current = ports;
}

export function dispatchPorts(): DispatchPorts {
  if (!current) throw new Error("dispatch ports are not wired: the dispatcher must call setDispatchPorts at start-up");
  return current;
}
