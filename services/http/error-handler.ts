/**
 * Last-resort error rendering for routes outside the REST API: AppErrors keep their status and
 * code; body-parser failures are the client's fault (4xx); anything else is a 500 whose detail
 * never echoes internals.
 */

import type { ErrorRequestHandler } from "express";
import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof AppError) {
      res.status(err.status).json(err.toBody());
      return;
    }
    const e = err as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e.status ?? e.statusCode;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({
        detail: e.type === "entity.parse.failed" ? "malformed JSON body" : (e.message ?? "bad request"),
        code: e.type ?? "bad_request",
      });
      return;
    }
    log.error({ err }, "unhandled error");
    res.status(500).json({ detail: "internal error", code: "internal_error" });
  };
}
