import { randomUUID } from "node:crypto";
import type { PubSubKind, StateKind } from "../../../scripts/launcher/stack.js";
import { startDispatchHarness, type DispatchHarness } from "../dispatch/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";

/**
 * Campaign suites: a production stack (RabbitMQ, PostgreSQL, real sidecars) whose adapters talk
 * to an in-process simulator, driven through the REST API like a client would.
 */
export interface CampaignHarness {
  h: DispatchHarness;
  accountId: string;
  apiKey: string;
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Creates a contact group and imports the CSV into it through the API; returns the group id. */
  group(name: string, csv: string): Promise<string>;
  channel(body: Record<string, unknown>): Promise<string>;
  waitFor(
    id: string,
    pred: (g: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startCampaignHarness(opts: {
  basePort: number;
  appEnv?: Record<string, string>;
  pubsub?: PubSubKind;
  state?: StateKind;
  extraDispatchers?: number;
}): Promise<CampaignHarness> {
  const h = await startDispatchHarness({
    basePort: opts.basePort,
    pubsub: opts.pubsub,
    state: opts.state,
    extraDispatchers: opts.extraDispatchers,
    appEnv: { API_RATE_LIMIT: "0", ...opts.appEnv },
  });
  const accountId = randomUUID();
  const r = await h.t.ops("/internal/api-keys", { method: "POST", body: { accountId } });
  if (r.status !== 201) throw new Error(`api key: ${r.status}`);
  const key = (r.body as { key: string }).key;
  const api: CampaignHarness["api"] = async (method, path, body, headers = {}) => {
    const res = await fetch(h.t.stack.url(h.t.apiApp, path), {
      method,
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    h,
    accountId,
    apiKey: key,
    api,
    async group(name, csv) {
      const g = await api("POST", "/v1/contact-groups", { account_id: accountId, name });
      if (g.status !== 201) throw new Error(`group: ${g.status} ${JSON.stringify(g.body)}`);
      const id = g.body.id as string;
      const imp = await api("POST", `/v1/contact-groups/${id}/import`, csv, { "content-type": "text/csv" });
      if (imp.status !== 200) throw new Error(`import: ${imp.status} ${JSON.stringify(imp.body)}`);
      return id;
    },
    async channel(body) {
      const c = await api("POST", "/v1/channels", { account_id: accountId, ...body });
      if (c.status !== 201) throw new Error(`channel: ${c.status} ${JSON.stringify(c.body)}`);
      return c.body.id as string;
    },
    waitFor(id, pred, what, timeoutMs = 60_000) {
      return eventually(
        what,
        async () => {
          const g = await api("GET", `/v1/group-messages/${id}`);
          return pred(g.body) ? g.body : undefined;
        },
        timeoutMs,
      );
    },
    stop: () => h.stop(),
  };
}

/** Accepted sends per addressee at the simulator, for one provider. */
export async function simRecipients(h: DispatchHarness, provider: string): Promise<Record<string, number>> {
  const res = await fetch(`${h.sim.httpUrl}/_sim/recipients/${provider}`);
  return ((await res.json()) as { recipients: Record<string, number> }).recipients;
}

export async function simCounters(
  h: DispatchHarness,
  provider: string,
): Promise<{ accepted: number; requests: number; errors: number }> {
  const res = await fetch(`${h.sim.httpUrl}/_sim/stats`);
  const body = (await res.json()) as {
    providers: Record<string, { accepted: number; requests: number; errors: number }>;
  };
  return body.providers[provider] ?? { accepted: 0, requests: 0, errors: 0 };
}

/** Status histogram of one campaign's messages, straight from the table. */
export async function campaignRows(db: string, groupMessageId: string): Promise<Record<string, number>> {
  return withPg(db, async (c) => {
    const r = await c.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM messages WHERE group_message_id = $1 GROUP BY status`,
      [groupMessageId],
    );
    return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
  });
}

/** CSV rows (name, telegram_chat_id, …) of `n` contacts with chat ids start … start+n-1. */
export function chatCsv(n: number, start: number, extra: (i: number) => string[] = () => []): string[] {
  return Array.from({ length: n }, (_, i) => [`Person${start + i} Test`, String(start + i), ...extra(i)].join(","));
}

/** Telegram: the simulator's bot API has no per-account limit beyond the channel's own rate. */
export const telegram = { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" };
