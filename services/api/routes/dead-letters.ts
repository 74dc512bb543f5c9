/**
 * Dead-letter routes: an account's admins list and read the poison events of their accounts (an
 * event is theirs when it names one of their accounts; events that name none, such as pipeline
 * probes, stay with the operators' /internal view), and re-queue one: it is published again to
 * its topic, unchanged, and leaves the dead-letter log. A text that was cut when it was kept
 * cannot be re-queued.
 */

import { AppError, conflict, notFound } from "../../../core/errors.js";
import {
  DEAD_LETTER_TOPICS,
  type DeadLetterRecord,
  type DeadLetterStore,
  type DeadLetterTopic,
} from "../../../core/dead-letters.js";
import type { Ctx } from "../context.js";
import type { Principal } from "../auth/principal.js";
import { defineRoute, type AnyRoute } from "../http/route.js";
import { errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import {
  deadLetterJson,
  deadLetterListQuery,
  deadLetterOut,
  deadLetterPage,
  deadLetterParams,
  requeueOut,
} from "../schemas/dead-letters.js";

const tag = "dead-letters";
const unavailable = { 503: { description: "No dead-letter store on this replica", schema: errorSchema } };

function storeOf(ctx: Ctx): DeadLetterStore {
  if (!ctx.deadLetters)
    throw new AppError(503, "dead_letters_unavailable", "no dead-letter store is configured on this replica");
  return ctx.deadLetters;
}

const mine = (p: Principal, r: DeadLetterRecord) => Boolean(r.accountId && p.accountIds.includes(r.accountId));

async function findOwn(ctx: Ctx, p: Principal, topic: DeadLetterTopic, eventId: string): Promise<DeadLetterRecord> {
  const log = await storeOf(ctx).list(topic);
  const entry = log.recent.find((r) => r.eventId === eventId);
  if (!entry || !mine(p, entry)) throw notFound("dead letter not found");
  return entry;
}

export const deadLetterRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/dead-letters",
    operationId: "listDeadLetters",
    summary: "List the dead letters of your accounts, newest first (events the pipeline gave up on)",
    tag,
    permission: "admin",
    query: deadLetterListQuery,
    responses: { 200: { description: "Dead letters", schema: deadLetterPage }, ...errorResponses, ...unavailable },
    async handler({ query, principal, ctx }) {
      const store = storeOf(ctx);
      const topics = query.topic ? [query.topic] : DEAD_LETTER_TOPICS;
      const logs = await Promise.all(topics.map(async (t) => ({ t, log: await store.list(t) })));
      const own = logs
        .flatMap(({ t, log }) => log.recent.filter((r) => mine(principal, r)).map((r) => deadLetterJson(t, r)))
        .sort((a, b) => b.received_at.localeCompare(a.received_at));
      return { status: 200, body: { items: own.slice(0, query.limit), total: own.length } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/dead-letters/:topic/:eventId",
    operationId: "getDeadLetter",
    summary: "Read one dead letter",
    tag,
    permission: "admin",
    params: deadLetterParams,
    responses: {
      200: { description: "The dead letter", schema: deadLetterOut },
      ...errorResponses,
      ...notFoundResponse,
      ...unavailable,
    },
    async handler({ params, principal, ctx }) {
      const entry = await findOwn(ctx, principal, params.topic, params.eventId);
      return { status: 200, body: deadLetterJson(params.topic, entry) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/dead-letters/:topic/:eventId/requeue",
    operationId: "requeueDeadLetter",
    summary: "Publish a dead letter to its topic again, unchanged, and remove it from the dead letters",
    tag,
    permission: "admin",
    params: deadLetterParams,
    responses: {
      202: { description: "Published again", schema: requeueOut },
      ...errorResponses,
      ...notFoundResponse,
      409: { description: "The kept text was cut (code dead_letter_truncated)", schema: errorSchema },
      ...unavailable,
    },
    async handler({ params, principal, ctx }) {
      const entry = await findOwn(ctx, principal, params.topic, params.eventId);
      if (deadLetterJson(params.topic, entry).truncated)
        throw conflict("dead_letter_truncated", "the event was cut when it was kept, so it cannot be published again");
      // Published first, then forgotten: a failure between the two leaves it listed, never lost.
      await ctx.publisher.publish(params.topic, parsed(entry.data));
      await storeOf(ctx).remove(params.topic, params.eventId);
      return { status: 202, body: { topic: params.topic, event_id: params.eventId, requeued: true } };
    },
  }),
];

/** The event as it was published: JSON, or the text itself when it was not JSON. */
function parsed(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}
