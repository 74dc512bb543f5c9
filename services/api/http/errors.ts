/**
 * Renders every failure as `{detail, code}`. Client mistakes are 4xx with a field where one is
 * known; database refusals that only bad input can cause are mapped to 4xx too, so no input
 * reaches a 500. Anything else is a 500 whose detail never echoes internals.
 */

import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { pgErrorCode } from "../../../db/query/crud.js";
import { isPoolExhausted } from "../../../db/client.js";

const CONSTRAINTS: Record<string, { field: string; detail: string }> = {
  channels_account_name_key: { field: "name", detail: "a channel with this name already exists" },
  templates_account_name_key: { field: "name", detail: "a template with this name already exists" },
  contact_groups_account_name_key: { field: "name", detail: "a contact group with this name already exists" },
};

interface BodyParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const bp = err as BodyParserError;
  const status = bp.status ?? bp.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500 && typeof bp.type === "string") {
    switch (bp.type) {
      case "entity.parse.failed":
        return new AppError(400, "malformed_json", "the request body is not valid JSON", { field: "body" });
      case "entity.too.large":
        return new AppError(413, "payload_too_large", "the request body is larger than allowed", { field: "body" });
      case "encoding.unsupported":
      case "charset.unsupported":
        return new AppError(415, "unsupported_encoding", "the request body's charset or encoding is not supported", {
          field: "body",
        });
      default:
        return new AppError(status, "bad_request", "the request body could not be read", { field: "body" });
    }
  }
  if (isPoolExhausted(err))
    return new AppError(503, "database_busy", "no database connection was free in time; try again shortly");
  const code = pgErrorCode(err);
  if (!code) return undefined;
  const constraint =
    (err as { constraint?: string; cause?: { constraint?: string } }).constraint ??
    (err as { cause?: { constraint?: string } }).cause?.constraint;
  if (code === "23505") {
    const known = constraint ? CONSTRAINTS[constraint] : undefined;
    return new AppError(
      409,
      "duplicate",
      known?.detail ?? "a row with these values already exists",
      known ? { field: known.field } : undefined,
    );
  }
  if (code === "23503")
    return new AppError(
      409,
      "in_use",
      "other records still refer to this one, or it refers to one that no longer exists",
    );
  if (code === "57014") return new AppError(503, "query_timeout", "the query took too long; narrow the filter");
  // Class 22 (data exception) and 23514 (check): values the database refused.
  if (code.startsWith("22") || code === "23514" || code === "54001")
    return new AppError(400, "invalid_value", "a value is out of range or not acceptable");
  return undefined;
}

export function apiErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const app = toAppError(err);
    if (app) {
      if (app.status >= 500) log.warn({ err, path: req.path }, app.detail);
      res.status(app.status).json(app.toBody());
      return;
    }
    log.error({ err, method: req.method, path: req.path }, "unhandled error");
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(500).json({ detail: "internal error", code: "internal_error" });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ detail: `no route for ${req.method} ${req.path}`, code: "not_found" });
};
