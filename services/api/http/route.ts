/**
 * One declaration per endpoint: the zod schemas that validate it are the ones the OpenAPI
 * document is generated from, so the contract and the checks cannot disagree.
 */

import express, { Router, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { AppError, badRequest } from "../../../core/errors.js";
import { currentTrace } from "../../../core/logger.js";
import type { Ctx } from "../context.js";
import { requirePermission, type Permission, type Principal } from "../auth/principal.js";
import { assertStorableJson, parseWith } from "./validation.js";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerCtx<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  ctx: Ctx;
  now: Date;
  traceId: string;
  traceparent?: string;
  req: Request;
  res: Response;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  permission: Permission;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Non-JSON body (documented, streamed by the handler). */
  rawBody?: { contentType: string; description: string; alsoMultipartFile?: boolean };
  /** Accepts the Idempotency-Key header. */
  idempotent?: boolean;
  responses: Record<number, ResponseDoc>;
  handler(c: HandlerCtx<P, Q, B>): Promise<Reply>;
}

export type AnyRoute = RouteDef<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineRoute<P, Q, B>(def: RouteDef<P, Q, B>): AnyRoute {
  return def as AnyRoute;
}

export const principalOf = (res: Response): Principal => {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new AppError(401, "unauthorized", "authentication required");
  return p;
};

export function mountRoutes(routes: AnyRoute[], ctx: Ctx): Router {
  const router = Router();
  const json = express.json({
    limit: ctx.config.API_BODY_LIMIT,
    strict: true,
    type: ["application/json", "application/*+json"],
  });
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.body) chain.push(json);
    chain.push(async (req, res) => {
      const principal = principalOf(res);
      requirePermission(principal, route.permission);
      const params: unknown = route.params ? parseWith(route.params, req.params) : req.params;
      const query: unknown = route.query ? parseWith(route.query, { ...(req.query as object) }) : undefined;
      let body: unknown;
      if (route.body) {
        if (req.body === undefined) {
          const hasBody =
            Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
          if (hasBody)
            throw new AppError(415, "unsupported_media_type", "send the body as application/json", { field: "body" });
          throw badRequest("validation_error", "a JSON request body is required", { field: "body" });
        }
        assertStorableJson(req.body);
        body = parseWith(route.body, req.body);
      }
      const trace = currentTrace();
      const reply = await route.handler({
        params,
        query,
        body,
        principal,
        ctx,
        now: ctx.clock(),
        traceId: trace?.traceId ?? "",
        traceparent: trace?.traceparent,
        req,
        res,
      });
      // A streaming handler (server-sent events) has answered already.
      if (res.headersSent) return;
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
    router[route.method](route.path, ...chain);
  }
  return router;
}

/** Path parameter schema for `/:id` routes. */
export const idParams = z.strictObject({ id: z.uuid({ error: "must be a UUID" }) });
