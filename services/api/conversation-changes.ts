/**
 * A conversation change made through the API (status, assignee, reopen by a reply, read marker):
 * the row is written and its `conversation.updated` callback staged in one transaction, so the
 * tenant's endpoints hear of it even when the process dies before publishing
 * (db/callbacks/outbox.ts); after the commit both the pub/sub event and the callback go out.
 */

import { conversationUpdatedCallback } from "../../core/callbacks/conversation-callbacks.js";
import { CALLBACK_TOPIC } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../../db/callbacks/outbox.js";
import type { Orm } from "../../db/client.js";
import { conversationSnapshotOf } from "../../db/conversations/snapshot.js";
import type { ConversationRow } from "../../db/schema.js";
import type { Ctx } from "./context.js";
import { conversationUpdated } from "./publish.js";

export async function changeConversation(
  ctx: Ctx,
  write: (orm: Orm) => Promise<ConversationRow | undefined>,
  changed: string[],
  now: Date,
  traceparent?: string,
): Promise<ConversationRow | undefined> {
  const { row, callback } = await ctx.db.transaction(async (tx) => {
    const row = await write(tx.orm);
    if (!row) return { row, callback: undefined };
    const callback = conversationUpdatedCallback(row.accountId, conversationSnapshotOf(row), changed, now);
    await stageCallbacks(tx, [callback]);
    return { row, callback };
  });
  if (!row || !callback) return row;
  await conversationUpdated(ctx, row, changed, now, traceparent);
  try {
    await ctx.publisher.publish(CALLBACK_TOPIC, { events: [callback] });
  } catch (err) {
    ctx.logger.warn({ err, conversationId: row.id }, "callback publish failed; the sweep delivers it from the outbox");
  }
  return row;
}
