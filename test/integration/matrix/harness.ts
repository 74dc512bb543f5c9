/**
 * The matrix suite's stack: the campaign harness (production set: RabbitMQ, PostgreSQL, real
 * sidecars, the in-process simulator), with the public webhook URL pointed at the API so Telegram
 * webhooks are registered and Twilio signatures verify, one channel of every type, and the reads
 * a cell checks: what the simulator received, message rows, inbound rows, /metrics samples.
 */

import { appPorts } from "../../../scripts/launcher/stack.js";
import type { ReceivedMessage } from "../../../services/simulator/received.js";
import { startCampaignHarness, type CampaignHarness } from "../campaign/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { simulatorWebhooks, type MatrixChannel } from "./channels.js";

export interface MessageRow {
  id: string;
  status: string;
  delivery_address: string;
  message_body: string;
  error_code: string | null;
  provider_message_id: string | null;
  group_message_id: string | null;
  scheduled_message_id: string | null;
  created_at: Date;
}

export interface InboundRow {
  id: string;
  provider_message_id: string;
  delivery_address: string;
}

export interface MatrixHarness {
  H: CampaignHarness;
  channels: MatrixChannel[];
  /** Channel id per channel label. */
  channelIds: Map<string, string>;
  api: CampaignHarness["api"];
  /** What the simulator received for a provider and addressee, oldest first. */
  received(provider: string, to: string): Promise<ReceivedMessage[]>;
  /** Outbound message rows matching a column (ids, group or scheduled message), oldest first. */
  messages(where: { ids?: string[]; groupMessageId?: string; scheduledMessageId?: string }): Promise<MessageRow[]>;
  /** The stored inbound message with this text on the channel, once the inbound consumer has it. */
  inbound(channelId: string, text: string): Promise<InboundRow>;
  /** Asks the simulator to send a signed inbound message (webhook or SMPP MO). */
  simInbound(body: { provider: string; from: string; text: string; to?: string; token?: string }): Promise<void>;
  /** Samples of every turumba_ metric an app serves, keyed by the sample line's name and labels. */
  scrape(app: "api" | "dispatcher"): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startMatrixHarness(
  basePort: number,
  channelsFor: (sim: { smppPort: number; smtpPort: number }) => MatrixChannel[],
): Promise<MatrixHarness> {
  // The API is the stack's first app: its port follows from the base port before it starts.
  const apiUrl = `http://127.0.0.1:${appPorts(basePort, 0).app}`;
  const H = await startCampaignHarness({
    basePort,
    appEnv: {
      WEBHOOK_PUBLIC_URL: apiUrl,
      WEBHOOK_REGISTER_EVERY_MS: "500",
      CAMPAIGN_PROGRESS_MS: "300",
      SWEEP_STALE_QUEUED_MS: "2000",
      // Every channel's campaign cell imports its group at once, and the recurrence cells fire
      // every 2 s so two triggers fit in a test: the caps that protect a tenant are raised here.
      API_CSV_MAX_CONCURRENT_PER_ACCOUNT: "16",
      SCHEDULE_MIN_INTERVAL_SECONDS: "1",
    },
  });
  if (H.h.t.stack.url(H.h.t.apiApp, "") !== apiUrl) throw new Error(`the API is not at ${apiUrl}`);
  const channels = channelsFor(H.h.sim);
  const channelIds = new Map<string, string>();
  for (const ch of channels) {
    channelIds.set(ch.label, await H.channel({ name: `matrix ${ch.label}`, rate_limit: 60_000, ...ch.body }));
  }
  H.h.sim.configure({
    defaults: { receiptDelayMs: 20 },
    providers: simulatorWebhooks(apiUrl, channels, channelIds),
  });

  return {
    H,
    channels,
    channelIds,
    api: H.api,
    async received(provider, to) {
      const q = new URLSearchParams({ provider, to });
      const res = await fetch(`${H.h.sim.httpUrl}/_sim/received?${q}`);
      return ((await res.json()) as { received: ReceivedMessage[] }).received;
    },
    messages(where) {
      const [column, value] = where.ids
        ? ["id = ANY($1::uuid[])", where.ids]
        : where.groupMessageId
          ? ["group_message_id = $1", where.groupMessageId]
          : ["scheduled_message_id = $1", where.scheduledMessageId];
      return withPg(
        H.h.db,
        async (c) =>
          (
            await c.query<MessageRow>(
              `SELECT id, status, delivery_address, message_body, error_code, provider_message_id, group_message_id,
                      scheduled_message_id, created_at
                 FROM messages WHERE direction = 'outbound' AND ${column} ORDER BY created_at, delivery_address`,
              [value],
            )
          ).rows,
      );
    },
    inbound(channelId, text) {
      return eventually(
        `the inbound "${text}" stored`,
        () =>
          withPg(
            H.h.db,
            async (c) =>
              (
                await c.query<InboundRow>(
                  `SELECT id, provider_message_id, delivery_address FROM messages
                    WHERE direction = 'inbound' AND channel_id = $1 AND message_body = $2`,
                  [channelId, text],
                )
              ).rows[0],
          ),
        20_000,
      );
    },
    async simInbound(body) {
      // 409 until the simulator has somewhere to send it: Telegram's webhook is registered by the
      // platform shortly after the channel is created, and an SMPP channel binds on its first send.
      await eventually(
        `the simulator to send ${body.provider} inbound`,
        async () => {
          const res = await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          if (res.status === 409) throw new Error(await res.text());
          if (res.status !== 202) throw new Error(`simulator inbound: ${res.status} ${await res.text()}`);
          return true;
        },
        30_000,
      );
    },
    async scrape(app) {
      const res = await fetch(H.h.t.stack.url(app === "api" ? H.h.t.apiApp : H.h.t.dispatcherApp, "/metrics"));
      const samples = new Map<string, number>();
      for (const line of (await res.text()).split("\n")) {
        if (!line.startsWith("turumba_")) continue;
        const cut = line.lastIndexOf(" ");
        samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
      }
      return samples;
    },
    stop: () => H.stop(),
  };
}
