/**
 * GET /media-links/{token}: a stored media object for whoever holds a valid signed link (a provider
 * fetching an attachment: Twilio's MediaUrl, WhatsApp/Telegram/Messenger links, our mailer). The
 * token is the only credential; a forged, expired or unknown one is a 404 like any unknown path.
 */

import type { RequestHandler } from "express";
import { AppError, notFound } from "../../../core/errors.js";
import { verifyMediaLink } from "../../../core/media/link-token.js";
import { findMediaById } from "../../../db/media/media-rows.js";
import type { Ctx } from "../context.js";
import { toAppError } from "../http/errors.js";
import { streamMedia } from "./stream.js";

export function mediaLinkHandler(ctx: Ctx): RequestHandler {
  return async (req, res) => {
    try {
      const now = ctx.clock();
      const id = ctx.mediaLinkKey ? verifyMediaLink(ctx.mediaLinkKey, String(req.params.token), now) : undefined;
      if (!id || !ctx.media) throw notFound("media not found");
      const row = await findMediaById(ctx.db.orm, id, now);
      if (!row) throw notFound("media not found");
      await streamMedia(res, ctx.media, row, ctx.logger);
    } catch (err) {
      const e = toAppError(err) ?? new AppError(500, "internal_error", "internal error");
      if (e.status >= 500) ctx.logger.error({ err }, "media link failed");
      if (!res.headersSent) res.status(e.status).json(e.toBody());
    }
  };
}
