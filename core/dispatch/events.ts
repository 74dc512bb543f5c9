/**
 * What the dispatch consumers need from any event on a `message.dispatch.{type}` topic: the
 * channel to nudge. The API's message.created events and the campaign's bulk nudges both carry
 * it; the channel actor then pulls the channel's due messages from the database itself, so an
 * event is a wake-up call, never the message's only copy.
 */

import { z } from "zod";
import { CHANNEL_TYPES } from "../messages/vocabulary.js";

export const dispatchNudgeSchema = z.object({
  channelId: z.uuid(),
  messageId: z.uuid().optional(),
  traceparent: z.string().optional(),
});
export type DispatchNudge = z.infer<typeof dispatchNudgeSchema>;

export const DISPATCH_TOPICS = CHANNEL_TYPES.map((t) => `message.dispatch.${t}` as const);

/** Published by the API when a channel's settings, credentials or status change. */
export const CHANNEL_UPDATED_TOPIC = "channel.updated";
export const channelUpdatedSchema = z.object({
  channelId: z.uuid(),
  traceparent: z.string().optional(),
});
