/**
 * The campaign wizard's draft: what each step collects, the checks a step passes before the next
 * one opens, and which step an API error belongs to (the API names the field it refuses, and the
 * wizard shows the error on the step that asks for that field).
 */

import { z } from "zod";

export const STEPS = ["Channel", "Message", "Recipients", "Throttle", "Schedule", "Review"] as const;
export type Step = (typeof STEPS)[number];

/** Start at once, keep as a draft to start later by hand, or let a schedule start it. */
export type When = "now" | "draft" | "later";

export interface Draft {
  name: string;
  /** Narrows the channel list; empty for any type. */
  channelType: string;
  channelId: string;
  /** Empty: the ad-hoc text in `body` is sent instead of a template. */
  templateId: string;
  body: string;
  /** Values for the preview only: every recipient gets their own. */
  samples: Record<string, string>;
  groupIds: string[];
  /** The channel's rate limit, messages a minute: the campaign fans out at this pace. */
  rateLimit: string;
  when: When;
  /** A local date and time (the datetime-local input's value). */
  at: string;
}

export function emptyDraft(): Draft {
  return {
    name: "",
    channelType: "",
    channelId: "",
    templateId: "",
    body: "",
    samples: {},
    groupIds: [],
    rateLimit: "",
    when: "now",
    at: "",
  };
}

/** Errors by field name, for the fields of one step. */
export type FieldErrors = Partial<Record<string, string>>;

const rate = z.coerce
  .number({ error: "a number of messages a minute" })
  .int({ error: "a whole number" })
  .min(1, { error: "at least 1 a minute" })
  .max(1_000_000, { error: "at most 1000000 a minute" });

/** The errors that keep a step from moving on (empty when it may). */
export function checkStep(step: Step, d: Draft, now: Date): FieldErrors {
  switch (step) {
    case "Channel":
      return d.channelId ? {} : { channel_id: "choose the channel to send on" };
    case "Message":
      return d.templateId || d.body.trim() ? {} : { message_body: "write a message or choose a template" };
    case "Recipients":
      return d.groupIds.length > 0 ? {} : { contact_group_ids: "choose at least one group" };
    case "Throttle": {
      const r = rate.safeParse(d.rateLimit);
      return r.success ? {} : { rate_limit: r.error.issues[0]!.message };
    }
    case "Schedule": {
      if (d.when !== "later") return {};
      if (!d.at) return { scheduled_at: "choose when it starts" };
      return new Date(d.at) > now ? {} : { scheduled_at: "must be in the future" };
    }
    case "Review":
      return {};
  }
}

/** The step that asks for the field an API error names (the review step for errors without one). */
export function stepOfField(field: string | undefined): Step {
  const top = (field ?? "").split(".")[0]!;
  if (["name", "channel_id"].includes(top)) return "Channel";
  if (["template_id", "message_body", "custom_values", "channel_options"].includes(top)) return "Message";
  if (top === "contact_group_ids") return "Recipients";
  if (["rate_limit", "burst"].includes(top)) return "Throttle";
  if (["scheduled_at", "timezone"].includes(top)) return "Schedule";
  return "Review";
}

/** How long sending `recipients` messages takes at `perMinute`, in words. */
export function duration(recipients: number, perMinute: number): string {
  if (!(perMinute > 0) || recipients <= 0) return "no time";
  const s = Math.ceil((recipients / perMinute) * 60);
  if (s < 120) return `about ${s} s`;
  if (s < 7_200) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3_600).toFixed(1)} h`;
}
