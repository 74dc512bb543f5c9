/**
 * The matrix's table of paths a message takes: a single message, a campaign to a group, a
 * scheduled message, a recurring schedule's first two triggers, and a reply to an inbound message.
 * Each path sends on one channel through the REST API as a client would and says what every
 * addressee should receive; the test waits for the final statuses and checks the provider's side.
 */

import { expect } from "vitest";
import { uuidv7 } from "../../../db/ids.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { ORDER, type Content, type Expected, type MatrixChannel } from "./channels.js";
import type { MatrixHarness, MessageRow } from "./harness.js";

export interface Cell {
  m: MatrixHarness;
  ch: MatrixChannel;
  channelId: string;
  /** A number unique to the cell within its channel: addresses and texts are derived from it. */
  slot: number;
}

export interface CellOutcome {
  /** Every outbound message the cell created, once each has reached its final status. */
  rows: MessageRow[];
  /** What each addressee (as the platform stores it) should find at the provider, in order. */
  expected: Map<string, Expected[]>;
  /** A campaign's group message as the API shows it once its counters equal its rows. */
  groupMessage?: Record<string, unknown>;
}

export interface MatrixPath {
  name: string;
  run(cell: Cell): Promise<CellOutcome>;
}

/** A send request's body with its channel options, as a client sends them. */
export function withOptions(body: Record<string, unknown>, options: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(options).length > 0 ? { ...body, channel_options: options } : body;
}

/** The campaign's recipients: {FIRST_NAME} is the first word of the name. */
const CONTACTS = ["Abebe Kebede", "Almaz Tesfaye", "Dawit Haile"];

/** Waits until `count` rows exist and every one has left the queue (its final status, or failed). */
export async function settled(
  m: MatrixHarness,
  ch: MatrixChannel,
  where: Parameters<MatrixHarness["messages"]>[0],
  count: number,
  timeoutMs = 60_000,
): Promise<MessageRow[]> {
  const final = ch.receipts ? "delivered" : "sent";
  return eventually(
    `${count} ${ch.label} messages ${final}`,
    async () => {
      const rows = await m.messages(where);
      return rows.length === count && rows.every((r) => r.status === final || r.status === "failed") ? rows : undefined;
    },
    timeoutMs,
  );
}

export async function created(
  p: Promise<{ status: number; body: Record<string, unknown> }>,
  what: string,
): Promise<string> {
  const r = await p;
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(201);
  return r.body.id as string;
}

/** A due time `ms` ahead on a whole second (the scheduler fires reminders with second precision). */
const dueIn = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1_000) * 1_000).toISOString();

/** One message (content `c`) to one address through POST /v1/messages. */
async function postMessage(cell: Cell, address: string, c: Content): Promise<string> {
  const { m, channelId } = cell;
  return created(
    m.api(
      "POST",
      "/v1/messages",
      withOptions(
        { account_id: m.H.accountId, channel_id: channelId, delivery_address: address, message_body: c.body },
        c.options,
      ),
    ),
    "message",
  );
}

async function postSchedule(cell: Cell, address: string, c: Content, extra: Record<string, unknown>): Promise<string> {
  const { m, channelId } = cell;
  return created(
    m.api(
      "POST",
      "/v1/scheduled-messages",
      withOptions(
        {
          account_id: m.H.accountId,
          channel_id: channelId,
          send_type: "single",
          delivery_address: address,
          message_body: c.body,
          ...extra,
        },
        c.options,
      ),
    ),
    "scheduled message",
  );
}

const single: MatrixPath = {
  name: "single message",
  async run(cell) {
    const address = cell.ch.address(cell.slot);
    const c = cell.ch.send(`single-${cell.slot}`);
    const id = await postMessage(cell, address, c);
    return { rows: await settled(cell.m, cell.ch, { ids: [id] }, 1), expected: new Map([[address, [c.want]]]) };
  },
};

const campaign: MatrixPath = {
  name: "campaign to a group",
  async run(cell) {
    const { m, ch, channelId, slot } = cell;
    const addresses = CONTACTS.map((_, i) => ch.address(slot + i));
    const csv = [`name,${ch.csvColumn}`, ...CONTACTS.map((name, i) => `${name},${addresses[i]}`)].join("\n");
    const groupId = await m.H.group(`matrix ${ch.label}`, csv);
    const templateId = await created(
      m.api("POST", "/v1/templates", {
        account_id: m.H.accountId,
        name: `matrix ${ch.label}`,
        ...ch.campaign.template,
      }),
      "template",
    );
    const order = `O-${slot}`;
    const id = await created(
      m.api(
        "POST",
        "/v1/group-messages",
        withOptions(
          {
            account_id: m.H.accountId,
            channel_id: channelId,
            template_id: templateId,
            custom_values: { [ORDER]: order },
            contact_group_ids: [groupId],
            status: "queued",
          },
          ch.campaign.options,
        ),
      ),
      "group message",
    );
    const rows = await settled(m, ch, { groupMessageId: id }, CONTACTS.length);
    const expected = new Map<string, Expected[]>(
      CONTACTS.map((name, i) => [addresses[i]!, [ch.campaign.want(name.split(" ")[0]!, order)]]),
    );
    // The counters are folded from the rows in stages: wait until they say what the rows say.
    const groupMessage = await m.H.waitFor(
      id,
      (g) =>
        ["completed", "partially_failed", "failed"].includes(String(g.status)) &&
        g.sent_count === rows.filter((r) => r.status !== "failed").length &&
        g.delivered_count === rows.filter((r) => r.status === "delivered").length &&
        g.failed_count === rows.filter((r) => r.status === "failed").length,
      "the campaign's counters to equal its rows",
      60_000,
    );
    return { rows, expected, groupMessage };
  },
};

const scheduled: MatrixPath = {
  name: "scheduled message",
  async run(cell) {
    const address = cell.ch.address(cell.slot);
    const c = cell.ch.send(`scheduled-${cell.slot}`);
    const id = await postSchedule(cell, address, c, { scheduled_at: dueIn(2_000) });
    return {
      rows: await settled(cell.m, cell.ch, { scheduledMessageId: id }, 1),
      expected: new Map([[address, [c.want]]]),
    };
  },
};

const recurring: MatrixPath = {
  name: "recurring schedule, first two triggers",
  async run(cell) {
    const address = cell.ch.address(cell.slot);
    const c = cell.ch.send(`recurring-${cell.slot}`);
    // The fastest rule the API takes: a six-field cron expression, every two seconds.
    const id = await postSchedule(cell, address, c, {
      scheduled_at: dueIn(1_000),
      is_recurring: true,
      recurrence_rule: "*/2 * * * * *",
      recurrence_max_count: 2,
    });
    const rows = await settled(cell.m, cell.ch, { scheduledMessageId: id }, 2);
    const times = rows.map((r) => r.created_at.getTime());
    expect(times[1]! - times[0]!, "two triggers two seconds apart").toBe(2_000);
    return { rows, expected: new Map([[address, [c.want, c.want]]]) };
  },
};

/**
 * E-mail has no inbound path (mail is not received or polled yet): the inbound row is written as
 * the inbound consumer writes one, with the Message-ID a mail client would have sent.
 */
async function seedInboundEmail(cell: Cell, from: string, text: string): Promise<void> {
  await withPg(cell.m.H.h.db, (c) =>
    c.query(
      `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, direction, status,
                             delivery_address, message_body, provider_message_id, delivered_at)
       VALUES ($1, now(), now(), $2, $3, 'email', 'inbound', 'delivered', $4, $5, $6, now())`,
      [uuidv7(), cell.m.H.accountId, cell.channelId, from, text, `<matrix-${cell.slot}@mail.example.test>`],
    ),
  );
}

/** The customer writes in on the cell's channel; returns the stored inbound message. */
export async function writeIn(cell: Cell, from: string, text: string) {
  if (cell.ch.inbound === "seeded") await seedInboundEmail(cell, from, text);
  else await cell.m.simInbound({ ...cell.ch.inbound, from, to: "8080", text });
  return cell.m.inbound(cell.channelId, text);
}

const reply: MatrixPath = {
  name: "reply to an inbound message",
  async run(cell) {
    const { m, ch, slot } = cell;
    const inbound = await writeIn(cell, ch.address(slot), `matrix hello ${slot}`);
    const c = ch.reply(`reply-${slot}`);
    // No channel and no address: both come from the inbound message.
    const id = await created(
      m.api(
        "POST",
        "/v1/messages",
        withOptions({ account_id: m.H.accountId, reply_to_message_id: inbound.id, message_body: c.body }, c.options),
      ),
      "reply",
    );
    return {
      rows: await settled(m, ch, { ids: [id] }, 1),
      expected: new Map([[inbound.delivery_address, [{ ...c.want, ...ch.thread(inbound.provider_message_id) }]]]),
    };
  },
};

export const PATHS: MatrixPath[] = [single, campaign, scheduled, recurring, reply];
