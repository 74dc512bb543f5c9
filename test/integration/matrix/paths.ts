/**
 * The matrix's table of paths a message takes: a single message, a campaign to a group, a
 * scheduled message, a recurring schedule's first two triggers, and a reply to an inbound message.
 * Each path sends on one channel through the REST API as a client would and says what every
 * addressee should receive; the test waits for the final statuses and checks the provider's side.
 */

import { expect } from "vitest";
import { eventually } from "../support/stack.js";
import type { Expected, MatrixChannel } from "./channels.js";
import type { MatrixHarness, MessageRow } from "./harness.js";

export interface Cell {
  m: MatrixHarness;
  ch: MatrixChannel;
  channelId: string;
  /** A number unique to the cell: its addresses and texts are derived from it. */
  slot: number;
}

export interface CellOutcome {
  /** Every outbound message the cell created, once each has reached its final status. */
  rows: MessageRow[];
  /** What each addressee (as the platform stores it) should have received, in order. */
  expected: Map<string, Expected[]>;
  /** A campaign's group message as the API shows it once its counters are final. */
  groupMessage?: Record<string, unknown>;
  /** The provider's id of the inbound message a reply answers. */
  inboundProviderId?: string;
}

export interface MatrixPath {
  name: string;
  run(cell: Cell): Promise<CellOutcome>;
}

/** Where a message's channel options go in a request body. */
export function withOptions(body: Record<string, unknown>, options: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(options).length > 0 ? { ...body, metadata: options } : body;
}

const finalStatus = (ch: MatrixChannel) => (ch.receipts ? "delivered" : "sent");

/** Waits until `count` rows exist and every one has its final status (or failed). */
async function settled(
  cell: Cell,
  where: Parameters<MatrixHarness["messages"]>[0],
  count: number,
  timeoutMs = 60_000,
): Promise<MessageRow[]> {
  const want = finalStatus(cell.ch);
  return eventually(
    `${count} ${cell.ch.label} messages ${want}`,
    async () => {
      const rows = await cell.m.messages(where);
      return rows.length === count && rows.every((r) => r.status === want || r.status === "failed") ? rows : undefined;
    },
    timeoutMs,
  );
}

async function created(p: Promise<{ status: number; body: Record<string, unknown> }>, what: string): Promise<string> {
  const r = await p;
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(201);
  return r.body.id as string;
}

const single: MatrixPath = {
  name: "single message",
  async run(cell) {
    const { m, ch, channelId, slot } = cell;
    const address = ch.address(slot);
    const text = ch.text(`single-${slot}`);
    const id = await created(
      m.api(
        "POST",
        "/v1/messages",
        withOptions(
          { account_id: m.H.accountId, channel_id: channelId, delivery_address: address, message_body: text },
          ch.options,
        ),
      ),
      "message",
    );
    return { rows: await settled(cell, { ids: [id] }, 1), expected: new Map([[address, [{ text }]]]) };
  },
};

export const PATHS: MatrixPath[] = [single];
