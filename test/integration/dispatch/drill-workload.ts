/**
 * The fault drill's workload on the production set with two dispatcher replicas: one channel of
 * every type created through the API, a campaign on SMPP and one on Telegram (an HTTP provider)
 * at a fixed rate so they run through every fault, single messages paced over every channel,
 * receipts coming back through the API's webhooks and inbound messages sent by the simulator.
 */

import { demoChannels, simulatorWebhooks, type DemoChannel } from "../../../scripts/demo/channels.js";
import { appPorts } from "../../../scripts/launcher/stack.js";
import type { SimulatorConfigInput } from "../../../services/simulator/config.js";
import { startCampaignHarness, type CampaignHarness } from "../campaign/harness.js";

export interface WorkloadSize {
  /** Recipients of the SMPP campaign and of the Telegram campaign. */
  campaignRecipients: number;
  /** Each campaign channel's rate (messages a minute): it sets how long the campaigns run. */
  campaignRatePerMinute: number;
  /** Single messages per channel (8 channels). */
  singlesPerChannel: number;
  /** Single messages a second, over all channels. */
  singlesPerSecond: number;
}

/** 2 × 8,000 campaign messages + 8 × 500 singles = 20,000, over about 7 minutes. */
export const FULL_WORKLOAD: WorkloadSize = {
  campaignRecipients: 8_000,
  campaignRatePerMinute: 1_200,
  singlesPerChannel: 500,
  singlesPerSecond: 10,
};

/**
 * The sweeper requeues a row in sending this long: above the longest wait a live turn can hold a
 * row (the SMPP adapter's 30 s submit_sm_resp timeout and the SMTP socket's 30 s; HTTP providers
 * time out at 15 s), so it requeues only what a dead replica left. At 5 s it requeued rows a live
 * turn still held during the storm, and their resends inflated the crash windows.
 */
export const SWEEP_STUCK_SENDING_MS = 40_000;
/** How often the cluster sweep runs (SWEEP_INTERVAL_MS: the SweeperActor reminder period). */
export const SWEEP_EVERY_MS = 5_000;

export interface Workload {
  H: CampaignHarness;
  channels: DemoChannel[];
  channelIds: Map<string, string>;
  campaignIds: string[];
  /** The simulator configuration without faults (receipts pointed at the API). */
  calm: SimulatorConfigInput;
  /** Single messages the API accepted, with the time it answered. */
  accepted: { id: string; at: number }[];
  /** Single messages the API refused (a 5xx or no answer while a fault lasted). */
  refused(): number;
  inboundSent(): number;
  /** Resolves when every single message has been tried. */
  singlesDone: Promise<void>;
  stopInbound(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAMPAIGN_CHANNELS = ["smpp", "telegram"];

export async function startWorkload(basePort: number, size: WorkloadSize): Promise<Workload> {
  const apiUrl = `http://127.0.0.1:${appPorts(basePort, 0).app}`;
  const H = await startCampaignHarness({
    basePort,
    extraDispatchers: 1,
    appEnv: {
      WEBHOOK_PUBLIC_URL: apiUrl,
      WEBHOOK_REGISTER_EVERY_MS: "500",
      CAMPAIGN_PROGRESS_MS: "300",
      SWEEP_STALE_QUEUED_MS: "2000",
      SWEEP_STUCK_SENDING_MS: String(SWEEP_STUCK_SENDING_MS),
    },
  });
  const channels = demoChannels(H.h.sim);
  const channelIds = new Map<string, string>();
  for (const ch of channels) {
    const campaign = CAMPAIGN_CHANNELS.includes(ch.label);
    channelIds.set(
      ch.label,
      await H.channel({
        name: `drill ${ch.label}`,
        rate_limit: campaign ? size.campaignRatePerMinute : 6_000,
        burst: campaign ? Math.max(5, Math.round(size.campaignRatePerMinute / 60)) : 20,
        ...ch.body,
      }),
    );
  }
  const calm: SimulatorConfigInput = {
    defaults: { receiptDelayMs: 50 },
    providers: simulatorWebhooks(apiUrl, channels, channelIds),
  };
  H.h.sim.configure(calm);

  const of = (label: string) => channels.find((c) => c.label === label)!;
  const n = size.campaignRecipients;
  const campaignIds: string[] = [];
  for (const [label, column] of [
    ["smpp", "phone"],
    ["telegram", "telegram_chat_id"],
  ] as const) {
    const csv = [`name,${column}`, ...Array.from({ length: n }, (_, i) => `Person${i} Drill,${of(label).address(i)}`)];
    const group = await H.group(`drill ${label}`, csv.join("\n"));
    const template = await H.api("POST", "/v1/templates", {
      account_id: H.accountId,
      name: `drill ${label}`,
      body: "Hi {FIRST_NAME}, the drill is on.",
    });
    const created = await H.api("POST", "/v1/group-messages", {
      account_id: H.accountId,
      name: `drill campaign (${label})`,
      channel_id: channelIds.get(label),
      template_id: template.body.id,
      contact_group_ids: [group],
      status: "queued",
    });
    if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
    campaignIds.push(created.body.id as string);
  }

  // Singles: addresses above the campaigns' so every addressee is owed exactly one message.
  const accepted: Workload["accepted"] = [];
  let refused = 0;
  const total = size.singlesPerChannel * channels.length;
  const singlesDone = (async () => {
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1_000) / size.singlesPerSecond - Date.now();
      if (wait > 0) await sleep(wait);
      const ch = channels[i % channels.length]!;
      const k = Math.floor(i / channels.length);
      H.api("POST", "/v1/messages", {
        account_id: H.accountId,
        channel_id: channelIds.get(ch.label),
        delivery_address: ch.address(50_000 + k),
        message_body: `Drill single ${k} on ${ch.label}`,
        ...(ch.options ? { channel_options: ch.options } : {}),
      }).then(
        (r) => (r.status === 201 ? accepted.push({ id: r.body.id as string, at: Date.now() }) : refused++),
        () => refused++,
      );
    }
    await sleep(2_000);
  })();

  // Inbound: the simulator writes in as a customer would, once a second, round the HTTP providers.
  let inbound = 0;
  let inboundOn = true;
  const inboundProviders = [
    { provider: "telegram", token: String((of("telegram").body.credentials as Record<string, string>).bot_token) },
    { provider: "whatsapp" },
    { provider: "vonage" },
    { provider: "africastalking" },
  ];
  void (async () => {
    for (let i = 0; inboundOn; i++) {
      const p = inboundProviders[i % inboundProviders.length]!;
      await fetch(`${H.h.sim.httpUrl}/_sim/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...p, from: `+25192${String(i).padStart(7, "0")}`, text: `drill inbound ${i}` }),
      }).then(
        (r) => (r.status === 202 ? inbound++ : undefined),
        () => undefined,
      );
      await sleep(1_000);
    }
  })();

  return {
    H,
    channels,
    channelIds,
    campaignIds,
    calm,
    accepted,
    refused: () => refused,
    inboundSent: () => inbound,
    singlesDone,
    stopInbound: () => {
      inboundOn = false;
    },
  };
}
