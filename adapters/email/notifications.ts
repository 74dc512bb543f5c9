/**
 * The e-mail adapter's status updates: bounce and complaint notifications, read from whichever of the
 * common shapes they arrive in, with how lasting a bounce is (a permanent one suppresses the address).
 */

import type { StatusUpdate } from "../../core/messages/vocabulary.js";
import { MESSAGE_ID_HEADER } from "./vocabulary.js";

type Update = Partial<StatusUpdate> & Pick<StatusUpdate, "providerMessageId" | "status">;

/**
 * Bounce and complaint notifications from the two common shapes:
 * - SES event notifications, possibly wrapped in an SNS envelope.
 *   Docs: https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 * - Event webhooks posting a JSON array of events (bounce, dropped, spamreport, delivered).
 *   Docs: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 * The provider message id is the Message-ID we set on send, so a notification finds its message.
 */
export function parseNotification(body: unknown): Update[] {
  if (Array.isArray(body)) return body.flatMap(parseEvent);
  if (!body || typeof body !== "object") return [];
  const envelope = body as { Type?: string; Message?: string };
  if (envelope.Type === "Notification" && typeof envelope.Message === "string") {
    try {
      return parseSes(JSON.parse(envelope.Message));
    } catch {
      return [];
    }
  }
  return parseSes(body);
}

interface SesMail {
  messageId?: string;
  headers?: Array<{ name: string; value: string }>;
  commonHeaders?: { messageId?: string };
}

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  mail?: SesMail;
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    timestamp?: string;
    bouncedRecipients?: Array<{ emailAddress: string; status?: string; diagnosticCode?: string }>;
  };
  complaint?: {
    timestamp?: string;
    complaintFeedbackType?: string;
    complainedRecipients?: Array<{ emailAddress: string }>;
  };
  delivery?: { timestamp?: string; recipients?: string[] };
}

/**
 * SES bounce types: Permanent (hard: the address does not exist or never takes mail) and
 * Transient (soft: mailbox full, message too large, a temporary refusal). Undetermined is left
 * undetermined. Docs: https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html#bounce-types
 */
const SES_BOUNCE = new Map<string, "permanent" | "transient">([
  ["Permanent", "permanent"],
  ["Transient", "transient"],
]);

/**
 * An event webhook's bounce: type "bounce" is a hard bounce and "blocked" a soft one; without a
 * type the SMTP enhanced status class decides (5.x.x permanent, 4.x.x transient, RFC 3463). A
 * message dropped because the address is on the sender's bounce list is a hard bounce too.
 * Docs: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event#delivery-events
 */
function espBounce(e: EspEvent): "permanent" | "transient" | null {
  if (e.event === "dropped") return e.reason === "Bounced Address" ? "permanent" : null;
  if (e.type === "bounce") return "permanent";
  if (e.type === "blocked") return "transient";
  if (e.type === undefined && e.status?.startsWith("5.")) return "permanent";
  if (e.type === undefined && e.status?.startsWith("4.")) return "transient";
  return null;
}

function sesIds(mail: SesMail | undefined): { id: string | null; ours: string | null } {
  const h = (name: string) => mail?.headers?.find((x) => x.name.toLowerCase() === name.toLowerCase())?.value ?? null;
  return {
    id: h("Message-ID") ?? mail?.commonHeaders?.messageId ?? mail?.messageId ?? null,
    ours: h(MESSAGE_ID_HEADER),
  };
}

function parseSes(input: unknown): Update[] {
  const n = input as SesNotification;
  const type = n.notificationType ?? n.eventType;
  const { id, ours } = sesIds(n.mail);
  if (!id) return [];
  const metadata = { turumbaMessageId: ours, sesMessageId: n.mail?.messageId ?? null };
  if (type === "Bounce" && n.bounce) {
    const b = n.bounce;
    return (b.bouncedRecipients ?? []).map((r) => ({
      providerMessageId: id,
      status: "failed" as const,
      recipient: r.emailAddress,
      errorCode: `bounce:${b.bounceType ?? "Undetermined"}/${b.bounceSubType ?? "General"}`,
      errorMessage: r.diagnosticCode ?? r.status ?? null,
      bounce: SES_BOUNCE.get(b.bounceType ?? "") ?? null,
      occurredAt: b.timestamp ?? null,
      metadata: { ...metadata, permanent: b.bounceType === "Permanent" },
    }));
  }
  if (type === "Complaint" && n.complaint) {
    const c = n.complaint;
    return (c.complainedRecipients ?? []).map((r) => ({
      providerMessageId: id,
      status: "failed" as const,
      recipient: r.emailAddress,
      errorCode: "complaint",
      errorMessage: c.complaintFeedbackType ?? "recipient marked the message as spam",
      // A spam complaint means: stop mailing this address.
      optOut: true,
      occurredAt: c.timestamp ?? null,
      metadata,
    }));
  }
  if (type === "Delivery" && n.delivery) {
    return (n.delivery.recipients ?? []).map((r) => ({
      providerMessageId: id,
      status: "delivered" as const,
      recipient: r,
      occurredAt: n.delivery?.timestamp ?? null,
      metadata,
    }));
  }
  return [];
}

interface EspEvent {
  email?: string;
  timestamp?: number;
  event?: string;
  "smtp-id"?: string;
  sg_message_id?: string;
  reason?: string;
  status?: string;
  type?: string;
  turumba_message_id?: string;
}

function parseEvent(input: unknown): Update[] {
  const e = input as EspEvent;
  const id = e["smtp-id"] ?? null;
  if (!id || !e.event) return [];
  const base = {
    providerMessageId: id,
    recipient: e.email ?? null,
    occurredAt: typeof e.timestamp === "number" ? new Date(e.timestamp * 1000).toISOString() : null,
    metadata: { turumbaMessageId: e.turumba_message_id ?? null, espMessageId: e.sg_message_id ?? null },
  };
  switch (e.event) {
    case "delivered":
      return [{ ...base, status: "delivered" }];
    case "bounce":
    case "dropped":
      return [
        {
          ...base,
          status: "failed",
          errorCode: `${e.event}:${e.type ?? e.status ?? "unknown"}`,
          errorMessage: e.reason ?? null,
          bounce: espBounce(e),
        },
      ];
    case "spamreport":
      return [
        {
          ...base,
          status: "failed",
          errorCode: "complaint",
          errorMessage: "recipient marked the message as spam",
          optOut: true,
        },
      ];
    default:
      return [];
  }
}
