/**
 * Seeds the messages a receipt benchmark needs: `n` outbound WhatsApp messages the provider has
 * accepted (status sent, provider ids known), inserted 5,000 per statement.
 */

import type { Client } from "pg";
import { uuidv7 } from "../db/ids.js";

export async function seedSentWhatsApp(
  c: Client,
  to: { accountId: string; channelId: string },
  n: number,
  providerId: (i: number) => string,
): Promise<void> {
  for (let i = 0; i < n; i += 5_000) {
    const size = Math.min(5_000, n - i);
    const now = new Date();
    const ids = Array.from({ length: size }, () => uuidv7(now));
    await c.query(
      `INSERT INTO messages (id, created_at, account_id, channel_id, channel_type, direction, status, delivery_address, message_body, provider_message_id, sent_at)
       SELECT u.id, $2, $3, $4, 'whatsapp', 'outbound', 'sent', u.addr, 'benchmark', u.pid, $2
         FROM unnest($1::uuid[], $5::text[], $6::text[]) AS u(id, addr, pid)`,
      [
        ids,
        now,
        to.accountId,
        to.channelId,
        ids.map((_, k) => `+2519${String(30_000_000 + i + k)}`),
        ids.map((_, k) => providerId(i + k)),
      ],
    );
  }
}
