/**
 * One turn of a campaign, run by its CampaignActor (one at a time per campaign in the cluster).
 * A turn is short: it inserts pages until its time budget is used or the channel's queue holds
 * enough, then yields and says when to come back. So no actor call runs for minutes, and a
 * crash loses at most the page in flight (its transaction rolls back; the checkpoint did not move).
 *
 *   queued      → processing (checkpoint created), then fan out
 *   processing  → page by page while the throttle allows; once every page is in, fold counters
 *                 until nothing waits for a provider, then completed / partially_failed / failed
 *   paused, cancelled, finished, draft → nothing to do (the turn says stop)
 */

import { finalStatus } from "../../core/campaign/progress-counters.js";
import { planPage } from "../../core/campaign/page-plan.js";
import { throttle } from "../../core/campaign/throttle.js";
import type { CampaignSnapshot } from "../../core/campaign/campaign-snapshot.js";
import type { CampaignPorts } from "./campaign-ports.js";

export interface CampaignTurnResult {
  /** Come back in this many ms; undefined means the campaign needs no more turns. */
  wakeInMs?: number;
  pagesInserted: number;
  state: "fanning_out" | "throttled" | "draining" | "finished" | "idle";
}

export interface TurnMemory {
  /** Consecutive turns whose contact source call failed. */
  sourceFailures: number;
  traceId?: string;
}

export async function campaignTurn(id: string, ports: CampaignPorts, memory: TurnMemory): Promise<CampaignTurnResult> {
  let c = await ports.load(id);
  if (!c) return { pagesInserted: 0, state: "idle" };
  if (c.status === "queued") {
    await ports.startProcessing(id, new Date(ports.now()));
    c = await ports.load(id);
    if (!c) return { pagesInserted: 0, state: "idle" };
  }
  if (c.status !== "processing" || !c.fanout) {
    // Paused, cancelled or finished: fold what is pending so the row is current, then rest.
    await ports.foldCounters(id);
    return { pagesInserted: 0, state: "idle" };
  }
  if (!c.fanout.done) return fanOut(c, ports, memory);
  return drain(c, ports);
}

async function fanOut(c: CampaignSnapshot, ports: CampaignPorts, memory: TurnMemory): Promise<CampaignTurnResult> {
  const { config } = ports;
  const started = ports.now();
  const render = await ports.renderer(c);
  let cursor = c.fanout!.cursor;
  let pages = 0;
  // The queue depth is counted once per turn and then tracked by what this turn adds.
  let backlog: number | undefined;
  try {
    while (ports.now() - started < config.turnBudgetMs) {
      const cap = Math.max(config.pageSize, Math.ceil(c.channelRate * config.aheadMinutes)) + 1;
      backlog ??= await ports.backlog(c.channelId, cap);
      const decision = throttle({
        ratePerMinute: c.channelRate,
        backlog,
        aheadMinutes: config.aheadMinutes,
        pageSize: config.pageSize,
      });
      if (!decision.insert) {
        await ports.foldCounters(c.id);
        return { wakeInMs: decision.waitMs, pagesInserted: pages, state: "throttled" };
      }
      const page = await ports.fetchPage(c, cursor, config.pageSize);
      memory.sourceFailures = 0;
      const plan = planPage(page.contacts, c.channelType, render);
      const r = await ports.insertPage(
        c,
        { cursor, nextCursor: page.nextCursor, contacts: page.contacts.length, plan, traceId: memory.traceId },
        new Date(ports.now()),
      );
      if (!r.ok) {
        // Paused or cancelled under us (or another turn moved on): the next turn re-reads the row.
        await ports.foldCounters(c.id);
        return { wakeInMs: r.reason === "cursor_moved" ? 0 : undefined, pagesInserted: pages, state: "idle" };
      }
      pages++;
      if (r.queued > 0) await ports.nudge(c.channelType, c.channelId);
      backlog += r.queued;
      cursor = page.nextCursor;
      if (page.nextCursor === null) break;
    }
  } catch (err) {
    memory.sourceFailures++;
    const reason = err instanceof Error ? err.message : String(err);
    ports.log.warn(
      { groupMessageId: c.id, failures: memory.sourceFailures, err: reason },
      "campaign fan-out turn failed",
    );
    if (memory.sourceFailures >= config.sourceFailureTurns) {
      await ports.abortFanout(
        c.id,
        `contact source failed ${memory.sourceFailures} times in a row: ${reason}`,
        new Date(ports.now()),
      );
      return { wakeInMs: 0, pagesInserted: pages, state: "draining" };
    }
    // Back off between failed turns: 1 s, 2 s, 4 s … capped at 15 s.
    return {
      wakeInMs: Math.min(15_000, 1_000 * 2 ** (memory.sourceFailures - 1)),
      pagesInserted: pages,
      state: "fanning_out",
    };
  }
  await ports.foldCounters(c.id);
  return {
    wakeInMs: cursor === null ? config.progressEveryMs : 0,
    pagesInserted: pages,
    state: cursor === null ? "draining" : "fanning_out",
  };
}

async function drain(c: CampaignSnapshot, ports: CampaignPorts): Promise<CampaignTurnResult> {
  const counters = (await ports.foldCounters(c.id)) ?? c.counters;
  if (counters.queued > 0) return { wakeInMs: ports.config.progressEveryMs, pagesInserted: 0, state: "draining" };
  const status = finalStatus(counters, { aborted: c.fanout!.aborted, messagesCreated: c.fanout!.messagesCreated });
  await ports.finish(c.id, status, new Date(ports.now()));
  ports.log.info({ groupMessageId: c.id, status, ...counters }, "campaign finished");
  return { pagesInserted: 0, state: "finished" };
}
