/**
 * The simulator's SMS providers (Twilio, Africa's Talking, Vonage): their send APIs, delivery callbacks
 * and inbound SMS.
 */

import { Router, type Request } from "express";
import { segmentInfo } from "../../../core/sms/encoding.js";
import { hex, type SimContext } from "../context.js";
import { fetchLinked } from "../media.js";

function basicAuth(req: Request): { user: string; pass: string } | null {
  const h = req.headers.authorization;
  if (!h?.startsWith("Basic ")) return null;
  const [user, ...rest] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":");
  return user ? { user, pass: rest.join(":") } : null;
}

/** Twilio Messages, Africa's Talking messaging and Vonage SMS, with their status callbacks. */
export function smsRoutes(ctx: SimContext): {
  router: Router;
  sendTwilioInbound: (from: string, to: string, text: string, authToken?: string) => Promise<boolean>;
  sendAfricasTalkingInbound: (from: string, to: string, text: string) => Promise<boolean>;
  sendVonageInbound: (from: string, to: string, text: string) => Promise<boolean>;
} {
  const router = Router();
  let lastTwilioToken: string | undefined;

  // ---- Twilio ----
  router.post("/2010-04-01/Accounts/:sid/Messages.json", async (req, res) => {
    const auth = basicAuth(req);
    if (!auth) {
      res.status(401).json({
        code: 20003,
        message: "Authenticate",
        more_info: "https://www.twilio.com/docs/errors/20003",
        status: 401,
      });
      return;
    }
    const ok = await ctx.admit("twilio", res, {
      throttle: () => [
        429,
        {
          code: 20429,
          message: "Too Many Requests",
          more_info: "https://www.twilio.com/docs/errors/20429",
          status: 429,
        },
      ],
      error: () => [
        500,
        {
          code: 20500,
          message: "Internal Server Error",
          more_info: "https://www.twilio.com/docs/errors/20500",
          status: 500,
        },
      ],
    });
    if (!ok) return;
    const form = req.body as Record<string, string>;
    if (!form.To || !form.Body) {
      res.status(400).json({ code: 21604, message: "A 'To' phone number is required.", status: 400 });
      return;
    }
    // MMS: each MediaUrl (one value, or several of the same name) is fetched as Twilio would.
    const mediaUrls = ([] as unknown[]).concat((req.body as { MediaUrl?: unknown }).MediaUrl ?? []).map(String);
    const media = await Promise.all(mediaUrls.map((u) => fetchLinked("mms", u)));
    lastTwilioToken = auth.pass;
    const sid = "SM" + hex(ctx.nextId(), 32);
    const segments = segmentInfo(form.Body).segments;
    ctx.stats.of("twilio").accepted++;
    ctx.stats.of("twilio").units += segments;
    ctx.stats.remember("twilio", sid, form.To);
    ctx.stats.received.add("twilio", sid, form.To, {
      ...(media.length ? { media } : {}),
      text: form.Body,
      sender: form.From ?? form.MessagingServiceSid ?? null,
      segments,
    });
    const accountSid = String(req.params.sid);
    res.status(201).json({
      sid,
      account_sid: accountSid,
      to: form.To,
      from: form.From ?? null,
      body: form.Body,
      status: "queued",
      num_segments: String(segments),
      direction: "outbound-api",
      api_version: "2010-04-01",
      error_code: null,
      error_message: null,
    });
    const url = form.StatusCallback ?? ctx.behaviour("twilio").webhookUrl;
    if (!url) return;
    const outcome = ctx.dice.outcome(ctx.behaviour("twilio"));
    const params = (status: string, extra: Record<string, string> = {}) => ({
      SmsSid: sid,
      SmsStatus: status,
      MessageStatus: status,
      To: form.To!,
      MessageSid: sid,
      AccountSid: accountSid,
      From: form.From ?? "",
      ApiVersion: "2010-04-01",
      ...extra,
    });
    ctx.later("twilio", async () => {
      await ctx.webhooks.postTwilio(url, params("sent"), auth.pass, { kind: "receipt", id: sid, what: "sent" });
      await ctx.webhooks.postTwilio(
        url,
        outcome === "delivered" ? params("delivered") : params("undelivered", { ErrorCode: "30003" }),
        auth.pass,
        { kind: "receipt", id: sid, what: outcome === "delivered" ? "delivered" : "undelivered" },
      );
    });
  });

  router.get("/2010-04-01/Accounts/:sid.json", (req, res) => {
    const auth = basicAuth(req);
    if (!auth || ctx.refuses(auth.pass)) {
      res.status(401).json({ code: 20003, message: "Authenticate", status: 401 });
      return;
    }
    res.json({ sid: req.params.sid, status: "active", type: "Full" });
  });

  // ---- Africa's Talking ----
  router.post("/version1/messaging", async (req, res) => {
    if (!req.headers.apikey) {
      res.status(401).type("text/plain").send("The supplied authentication is invalid");
      return;
    }
    const ok = await ctx.admit("africastalking", res, {
      throttle: () => [429, "Too Many Requests"],
      error: () => [500, "Internal Server Error"],
    });
    if (!ok) return;
    const form = req.body as Record<string, string>;
    const recipients = (form.to ?? "").split(",").filter(Boolean);
    const results = recipients.map((number) => {
      const messageId = "ATXid_" + hex(ctx.nextId(), 32);
      ctx.stats.of("africastalking").accepted++;
      ctx.stats.of("africastalking").units += segmentInfo(form.message ?? "").segments;
      ctx.stats.remember("africastalking", messageId, number);
      ctx.stats.received.add("africastalking", messageId, number, {
        text: form.message ?? null,
        sender: form.from ?? null,
        segments: segmentInfo(form.message ?? "").segments,
      });
      return { statusCode: 101, number, status: "Success", cost: "KES 0.8000", messageId };
    });
    res.status(201).json({
      SMSMessageData: {
        Message: `Sent to ${results.length}/${recipients.length} Total Cost: KES ${(0.8 * results.length).toFixed(4)}`,
        Recipients: results,
      },
    });
    const url = ctx.behaviour("africastalking").webhookUrl;
    if (!url) return;
    for (const r of results) {
      const outcome = ctx.dice.outcome(ctx.behaviour("africastalking"));
      ctx.later("africastalking", () =>
        ctx.webhooks.postForm(
          "africastalking",
          url,
          {
            id: r.messageId,
            status: outcome === "delivered" ? "Success" : "Failed",
            phoneNumber: r.number,
            networkCode: "63902",
            retryCount: "0",
            ...(outcome === "delivered" ? {} : { failureReason: "DeliveryFailure" }),
          },
          { kind: "receipt", id: r.messageId, what: outcome === "delivered" ? "Success" : "Failed" },
        ),
      );
    }
  });

  router.get("/version1/user", (req, res) => {
    if (!req.headers.apikey || ctx.refuses(String(req.headers.apikey))) {
      res.status(401).type("text/plain").send("The supplied authentication is invalid");
      return;
    }
    res.json({ UserData: { balance: "KES 1000.0000" } });
  });

  // ---- Vonage ----
  router.post("/sms/json", async (req, res) => {
    const form = req.body as Record<string, string>;
    const ok = await ctx.admit("vonage", res, {
      // Vonage answers 200 with an in-band status: "1" is Throttled, "5" Internal Error.
      throttle: () => [
        200,
        {
          "message-count": "1",
          messages: [{ status: "1", "error-text": "Throughput Rate Exceeded - please wait [ 10 ] and retry" }],
        },
      ],
      error: () => [200, { "message-count": "1", messages: [{ status: "5", "error-text": "Internal Error" }] }],
    });
    if (!ok) return;
    if (!form.api_key || !form.api_secret) {
      res.json({ "message-count": "1", messages: [{ status: "2", "error-text": "Missing api_key" }] });
      return;
    }
    const segments = segmentInfo(form.text ?? "").segments;
    const messages = Array.from({ length: segments }, () => ({
      to: form.to,
      "message-id": hex(ctx.nextId(), 16).toUpperCase(),
      status: "0",
      "remaining-balance": "10.00000000",
      "message-price": "0.03330000",
      network: "23410",
    }));
    ctx.stats.of("vonage").accepted++;
    ctx.stats.of("vonage").units += segments;
    ctx.stats.remember("vonage", messages[0]!["message-id"], form.to ?? "");
    ctx.stats.received.add("vonage", messages[0]!["message-id"], form.to ?? "", {
      text: form.text ?? null,
      sender: form.from ?? null,
      // Vonage's own field: "unicode" for UCS-2, "text" (the default) for GSM-7.
      encoding: form.type === "unicode" ? "ucs2" : "gsm7",
      segments,
    });
    res.json({ "message-count": String(segments), messages });
    const url = form.callback ?? ctx.behaviour("vonage").webhookUrl;
    if (!url) return;
    for (const m of messages) {
      const outcome = ctx.dice.outcome(ctx.behaviour("vonage"));
      const scts = new Date().toISOString().replace(/[-T:]/g, "").slice(2, 12);
      ctx.later("vonage", () =>
        ctx.webhooks.postVonage(
          url,
          {
            msisdn: form.to ?? "",
            to: form.from ?? "",
            "network-code": "23410",
            messageId: m["message-id"],
            price: "0.03330000",
            status: outcome === "delivered" ? "delivered" : "failed",
            scts,
            "err-code": outcome === "delivered" ? "0" : "8",
            "api-key": form.api_key ?? "",
            "message-timestamp": new Date().toISOString().replace("T", " ").slice(0, 19),
          },
          { kind: "receipt", id: m["message-id"], what: outcome === "delivered" ? "delivered" : "failed" },
        ),
      );
    }
  });

  router.get("/account/get-balance", (req, res) => {
    const [key, secret] = [req.query.api_key, req.query.api_secret].map((v) => (typeof v === "string" ? v : ""));
    if (!key || !secret || ctx.refuses(key, secret)) {
      res.status(401).json({ "error-code": "401", "error-code-label": "authentication failed" });
      return;
    }
    res.json({ value: 10.0, autoReload: false });
  });

  // ---- inbound ----
  const sendTwilioInbound = async (from: string, to: string, text: string, authToken?: string): Promise<boolean> => {
    const url = ctx.behaviour("twilio").webhookUrl;
    const token = authToken ?? lastTwilioToken;
    if (!url || !token) return false;
    const sid = "SM" + hex(ctx.nextId(), 32);
    ctx.stats.of("twilio").inboundSent++;
    await ctx.webhooks.postTwilio(
      url,
      {
        MessageSid: sid,
        SmsSid: sid,
        SmsMessageSid: sid,
        AccountSid: "AC" + "0".repeat(32),
        From: from,
        To: to,
        Body: text,
        NumMedia: "0",
        NumSegments: String(segmentInfo(text).segments),
        SmsStatus: "received",
        ApiVersion: "2010-04-01",
      },
      token,
      { kind: "inbound", id: sid },
    );
    return true;
  };

  const sendAfricasTalkingInbound = async (from: string, to: string, text: string): Promise<boolean> => {
    const url = ctx.behaviour("africastalking").webhookUrl;
    if (!url) return false;
    const id = "sim-" + hex(ctx.nextId(), 12);
    ctx.stats.of("africastalking").inboundSent++;
    await ctx.webhooks.postForm(
      "africastalking",
      url,
      { date: new Date().toISOString(), from, to, text, id, linkId: "SimLink" + ctx.nextId(), networkCode: "63902" },
      { kind: "inbound", id },
    );
    return true;
  };

  const sendVonageInbound = async (from: string, to: string, text: string): Promise<boolean> => {
    const url = ctx.behaviour("vonage").webhookUrl;
    if (!url) return false;
    const messageId = hex(ctx.nextId(), 16).toUpperCase();
    ctx.stats.of("vonage").inboundSent++;
    await ctx.webhooks.postVonage(
      url,
      {
        msisdn: from.replace(/^\+/, ""),
        to,
        messageId,
        text,
        type: "text",
        keyword: (text.split(/\s+/)[0] ?? "").toUpperCase(),
        "message-timestamp": new Date().toISOString().replace("T", " ").slice(0, 19),
      },
      { kind: "inbound", id: messageId },
    );
    return true;
  };

  return { router, sendTwilioInbound, sendAfricasTalkingInbound, sendVonageInbound };
}
