/**
 * When a schedule fires (daily, weekly:<days>, monthly:<day> rules plus standard cron), computed in the
 * schedule's own IANA time zone so "09:00 every day" stays 09:00 local across daylight-saving
 * changes. Pure: every function takes the instants it reasons about.
 *
 * Rules:
 *   daily                 every day at the time of day of scheduled_at
 *   weekly:mon,wed,fri    those weekdays at that time of day
 *   monthly:<1-31>        that day of every month at that time of day; a month without that day
 *                         fires on its last day (monthly:31 is "the last day" in April)
 *   <cron>                a standard 5-field cron expression (6 fields: leading seconds); the
 *                         expression gives the time of day, scheduled_at only the start
 *
 * Local times that do not exist (the hour skipped in spring) fire at the first instant after
 * the gap; local times that occur twice (the hour repeated in autumn) fire once, the first time.
 *
 * How often a rule may fire is bounded by the caller (frequencyProblem): the shortest gap between
 * two of its occurrences, found over its next 120 occurrences (a cron rule's finest field repeats
 * well within that), must not be below the minimum interval.
 */

import { Cron } from "croner";

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const SIMPLE_RE =
  /^(daily|weekly:(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun)){0,6}|monthly:([1-9]|[12]\d|3[01]))$/;

export type Recurrence =
  | { kind: "daily" }
  | { kind: "weekly"; days: number[] }
  | { kind: "monthly"; day: number }
  | { kind: "cron"; expression: string };

export class RecurrenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecurrenceError";
  }
}

export function parseRecurrence(rule: string): Recurrence {
  const text = rule.trim();
  if (SIMPLE_RE.test(text)) {
    if (text === "daily") return { kind: "daily" };
    const [kind, arg] = text.split(":") as [string, string];
    if (kind === "weekly") {
      const days = [...new Set(arg.split(",").map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number])))].sort(
        (a, b) => a - b,
      );
      return { kind: "weekly", days };
    }
    return { kind: "monthly", day: Number(arg) };
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new RecurrenceError('must be "daily", "weekly:mon,wed,…", "monthly:<day>" or a 5-field cron expression');
  }
  try {
    new Cron(text, { paused: true, mode: "5-or-6-parts" });
  } catch (err) {
    throw new RecurrenceError(`not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { kind: "cron", expression: text };
}

/** The message a rule is refused with, or undefined when it is valid (for request validation). */
export function recurrenceProblem(rule: string): string | undefined {
  try {
    parseRecurrence(rule);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const SAMPLED_OCCURRENCES = 120;
const SHORTEST_CALENDAR_GAP_MS = 23 * 3_600_000; // a daily rule across the spring DST change

/** The shortest gap between two occurrences of a valid rule, in milliseconds. */
export function shortestInterval(rule: string, from: Date = new Date()): number {
  const r = parseRecurrence(rule);
  if (r.kind !== "cron") return SHORTEST_CALENDAR_GAP_MS;
  const runs = new Cron(r.expression, { paused: true, mode: "5-or-6-parts" }).nextRuns(SAMPLED_OCCURRENCES, from);
  let shortest = Infinity;
  for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return shortest;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Why a valid rule fires more often than `minIntervalMs` allows, or undefined when it does not. */
export function frequencyProblem(rule: string, minIntervalMs: number): string | undefined {
  const shortest = shortestInterval(rule);
  if (shortest >= minIntervalMs) return undefined;
  return `fires as often as every ${seconds(shortest)}; this schedule may fire at most once every ${seconds(minIntervalMs)}`;
}

export interface ScheduleSpec {
  /** The first trigger time (for rules with a time of day, also that time of day). */
  scheduledAt: Date;
  timezone: string;
  isRecurring: boolean;
  rule: string | null;
  /** No trigger after this instant. */
  endAt: Date | null;
  /** At most this many triggers in all. */
  maxCount: number | null;
}

/** Wall-clock parts of an instant in a time zone. */
function localParts(at: Date, timezone: string): { hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { hour: get("hour"), minute: get("minute"), second: get("second") };
}

function localDay(at: Date, timezone: string): { day: number; lastDay: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const year = get("year");
  const month = get("month");
  return { day: get("day"), lastDay: new Date(Date.UTC(year, month, 0)).getUTCDate() };
}

function cronFor(r: Recurrence, spec: ScheduleSpec): string {
  if (r.kind === "cron") return r.expression;
  const { hour, minute, second } = localParts(spec.scheduledAt, spec.timezone);
  const time = `${second} ${minute} ${hour}`;
  if (r.kind === "daily") return `${time} * * *`;
  if (r.kind === "weekly") return `${time} * * ${r.days.join(",")}`;
  // Candidates from the 28th on; nextOccurrence keeps the one that is the rule's day in that month.
  return r.day <= 28 ? `${time} ${r.day} * *` : `${time} 28-31 * *`;
}

/** Next raw occurrence strictly after `after`, ignoring end date and count. */
function nextRaw(spec: ScheduleSpec, after: Date): Date | undefined {
  if (!spec.isRecurring || !spec.rule) return after < spec.scheduledAt ? spec.scheduledAt : undefined;
  const r = parseRecurrence(spec.rule);
  const cron = new Cron(cronFor(r, spec), { paused: true, timezone: spec.timezone, mode: "5-or-6-parts" });
  let cursor = after;
  // monthly:29-31 walks the 28th..31st candidates of a month; a handful of steps at most.
  for (let i = 0; i < 10; i++) {
    const next = cron.nextRun(cursor);
    if (!next) return undefined;
    if (r.kind !== "monthly" || r.day <= 28) return next;
    const { day, lastDay } = localDay(next, spec.timezone);
    if (day === Math.min(r.day, lastDay)) return next;
    cursor = next;
  }
  return undefined;
}

/** Whether an occurrence is still inside the schedule's end date and count. */
function withinEnd(spec: ScheduleSpec, at: Date, triggersSoFar: number): boolean {
  if (spec.endAt && at > spec.endAt) return false;
  if (spec.maxCount !== null && triggersSoFar >= spec.maxCount) return false;
  return true;
}

/**
 * The first trigger: scheduled_at itself for a one-time schedule and for daily rules; for other
 * rules the first occurrence at or after scheduled_at.
 */
export function firstOccurrence(spec: ScheduleSpec): Date | undefined {
  const first = spec.isRecurring ? nextRaw(spec, new Date(spec.scheduledAt.getTime() - 1_000)) : spec.scheduledAt;
  return first && withinEnd(spec, first, 0) ? first : undefined;
}

/** The occurrence after `after` (strictly), given how many triggers already happened. */
export function nextOccurrence(spec: ScheduleSpec, after: Date, triggersSoFar: number): Date | undefined {
  if (!spec.isRecurring) return undefined;
  const next = nextRaw(spec, after);
  return next && withinEnd(spec, next, triggersSoFar) ? next : undefined;
}

export interface TriggerPlan {
  /** The next trigger time, or null when the schedule is finished. */
  next: Date | null;
  /** Occurrences that fell inside a downtime and are skipped (one catch-up fire, never a burst). */
  missed: number;
}

/**
 * After firing the occurrence due at `firedFor` at time `now` (later than firedFor after a
 * downtime): the next trigger is the first occurrence after both, so a platform that was down
 * for three days fires once on recovery and then resumes the rule, instead of three times.
 */
export function planAfterTrigger(spec: ScheduleSpec, firedFor: Date, now: Date, triggersSoFar: number): TriggerPlan {
  if (!spec.isRecurring) return { next: null, missed: 0 };
  let missed = 0;
  let next = nextRaw(spec, firedFor);
  // Bounded: a schedule every minute that was down for a week skips at most this many by walking;
  // past the bound it jumps straight to the first occurrence after now.
  for (let i = 0; next && next <= now && i < 1_000; i++) {
    missed++;
    next = nextRaw(spec, next);
  }
  if (next && next <= now) next = nextRaw(spec, now);
  if (!next || !withinEnd(spec, next, triggersSoFar)) return { next: null, missed };
  return { next, missed };
}
