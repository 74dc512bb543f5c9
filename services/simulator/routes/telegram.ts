/**
 * The simulator's Telegram Bot API: sends, webhook registration and inbound updates.
 */

import { Router, type Request } from "express";
import type { SimContext } from "../context.js";

interface Registration {
  url: string;
  secret: string | undefined;
}

/** Telegram Bot API: sendMessage, getMe, setWebhook; inbound updates to the registered webhook. */
export function telegramRoutes(ctx: SimContext): {
  router: Router;
  sendInbound: (from: string, text: string, token?: string) => Promise<boolean>;
} {
  const router = Router();
  const webhooks = new Map<string, Registration>();
  let lastToken: string | undefined;
  const token = (req: Request) => String(req.params.token ?? "").replace(/^bot/, "");

  router.post("/:token/sendMessage", async (req, res) => {
    const ok = await ctx.admit("telegram", res, {
      throttle: () => [
        429,
        { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } },
      ],
      error: () => [502, { ok: false, error_code: 502, description: "Bad Gateway" }],
    });
    if (!ok) return;
    const body = req.body as { chat_id?: string | number; text?: string };
    if (!body.chat_id || !body.text) {
      res.status(400).json({ ok: false, error_code: 400, description: "Bad Request: message text is empty" });
      return;
    }
    const id = ctx.nextId();
    ctx.stats.of("telegram").accepted++;
    ctx.stats.remember("telegram", String(id), String(body.chat_id));
    res.json({
      ok: true,
      result: {
        message_id: id,
        chat: { id: Number(body.chat_id) || body.chat_id, type: "private" },
        date: Math.floor(Date.now() / 1000),
        text: body.text,
      },
    });
  });

  router.post("/:token/getMe", (req, res) => {
    if (ctx.refuses(token(req))) {
      res.status(401).json({ ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    res.json({ ok: true, result: { id: 7000000001, is_bot: true, first_name: "Simulator Bot", username: "sim_bot" } });
  });

  router.post("/:token/setWebhook", (req, res) => {
    const body = req.body as { url?: string; secret_token?: string };
    if (!body.url) {
      res.status(400).json({ ok: false, error_code: 400, description: "Bad Request: bad webhook: URL host is empty" });
      return;
    }
    lastToken = token(req);
    webhooks.set(lastToken, { url: body.url, secret: body.secret_token });
    res.json({ ok: true, result: true, description: "Webhook was set" });
  });

  const sendInbound = async (from: string, text: string, botToken?: string): Promise<boolean> => {
    const reg =
      webhooks.get(botToken ?? lastToken ?? "") ??
      (ctx.behaviour("telegram").webhookUrl
        ? { url: ctx.behaviour("telegram").webhookUrl!, secret: undefined }
        : undefined);
    if (!reg) return false;
    const id = ctx.nextId();
    const update = {
      update_id: 900000000 + id,
      message: {
        message_id: id,
        from: { id: Number(from) || 1, is_bot: false, first_name: "Sim" },
        chat: { id: Number(from) || from, type: "private" },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    };
    ctx.stats.of("telegram").inboundSent++;
    await ctx.webhooks.postJson(
      "telegram",
      reg.url,
      update,
      reg.secret ? { "x-telegram-bot-api-secret-token": reg.secret } : {},
    );
    return true;
  };

  return { router, sendInbound };
}
