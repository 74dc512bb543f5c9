import { randomUUID } from "node:crypto";
import pg from "pg";
import { uuidv7 } from "../../../db/ids.js";
import { channelCredentialsAad, channelWebhookSecretAad, SecretBox } from "../../../db/secret-box.js";

/**
 * Writes channels and queued messages the way the API stores them (sealed credentials, status
 * queued), for suites that exercise the dispatcher on its own, and publishes dispatch events
 * through a real sidecar the way the API does.
 */
export const TEST_KEYS = `t1:${Buffer.alloc(32, 7).toString("base64")}`;
const box = SecretBox.fromKeyRing(TEST_KEYS);

export interface SeedChannel {
  id: string;
  accountId: string;
  channelType: string;
  provider: string;
}

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function seedChannel(
  url: string,
  opts: {
    accountId?: string;
    channelType: string;
    provider?: string;
    credentials: Record<string, unknown>;
    rateLimit?: number;
    burst?: number;
    priority?: number;
    maxAttempts?: number;
    status?: string;
  },
): Promise<SeedChannel> {
  const id = uuidv7();
  const accountId = opts.accountId ?? randomUUID();
  const creds = box.sealJson(opts.credentials, channelCredentialsAad(id));
  const secret = box.seal(randomUUID(), channelWebhookSecretAad(id));
  await withPg(url, (c) =>
    c.query(
      `INSERT INTO channels (id, account_id, name, channel_type, provider, status, credentials_ciphertext, credentials_key_id,
                             credential_fields, webhook_secret_ciphertext, rate_limit, burst, priority, retry_config)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        id,
        accountId,
        `ch-${id.slice(-8)}`,
        opts.channelType,
        opts.provider ?? "default",
        opts.status ?? "active",
        creds.ciphertext,
        creds.keyId,
        JSON.stringify(Object.keys(opts.credentials)),
        secret.ciphertext,
        opts.rateLimit ?? 60_000,
        opts.burst ?? null,
        opts.priority ?? 0,
        JSON.stringify({ max_attempts: opts.maxAttempts ?? 5 }),
      ],
    ),
  );
  return { id, accountId, channelType: opts.channelType, provider: opts.provider ?? "default" };
}

/** Inserts `count` queued messages for the channel; returns their ids in insertion order. */
export async function seedMessages(
  url: string,
  ch: SeedChannel,
  count: number,
  opts: { priority?: number; address?: (i: number) => string; metadata?: Record<string, unknown>; body?: string } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    const created = new Date(now + i);
    const id = uuidv7(created);
    ids.push(id);
    return { id, created, address: opts.address?.(i) ?? `${100000 + i}` };
  });
  await withPg(url, async (c) => {
    for (let i = 0; i < rows.length; i += 1_000) {
      const chunk = rows.slice(i, i + 1_000);
      await c.query(
        `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, priority, delivery_address, message_body, metadata)
         SELECT u.id, u.created_at, $3, $4, $5, 'outbound', 'queued', $6, u.address, $7, $8
           FROM unnest($1::uuid[], $2::timestamptz[], $9::text[]) AS u(id, created_at, address)`,
        [
          chunk.map((r) => r.id),
          chunk.map((r) => r.created),
          ch.accountId,
          ch.id,
          ch.channelType,
          opts.priority ?? 0,
          opts.body ?? "hello from turumba",
          JSON.stringify(opts.metadata ?? {}),
          chunk.map((r) => r.address),
        ],
      );
    }
  });
  return ids;
}

export async function statusCounts(url: string, channelIds: string[]): Promise<Record<string, number>> {
  return withPg(url, async (c) => {
    const r = await c.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM messages WHERE channel_id = ANY($1::uuid[]) GROUP BY status`,
      [channelIds],
    );
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
  });
}

/** Publishes a dispatch nudge through the given sidecar, exactly as the API does. */
export async function publishNudge(
  daprHttpPort: number,
  apiToken: string,
  ch: SeedChannel,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${daprHttpPort}/v1.0/publish/pubsub/message.dispatch.${ch.channelType}`, {
    method: "POST",
    headers: { "content-type": "application/json", "dapr-api-token": apiToken },
    body: JSON.stringify({ channelId: ch.id, ...extra }),
  });
  if (res.status >= 300) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
}
