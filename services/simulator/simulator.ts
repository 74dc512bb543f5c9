/**
 * The simulator assembled: its HTTP, SMTP and SMPP servers started together, with run-time
 * reconfiguration and fault drills for tests.
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { createLogger, type Logger } from "../../core/logger.js";
import { Dice } from "./behaviour.js";
import { SimulatorConfig, type ProviderKey, type SimulatorConfigInput } from "./config.js";
import { SimContext } from "./context.js";
import { inboundMailRoutes } from "./inbound-mail.js";
import { mediaLibraryRoutes } from "./media.js";
import { metaRoutes } from "./routes/meta.js";
import { smsRoutes } from "./routes/sms.js";
import { telegramRoutes } from "./routes/telegram.js";
import { startSmsc } from "./smsc.js";
import { startSmtp } from "./smtp.js";
import { SimStats } from "./stats.js";
import { WebhookSender } from "./webhooks.js";

export interface RunningSimulator {
  httpUrl: string;
  smtpPort: number;
  smppPort: number;
  stats: SimStats;
  context: SimContext;
  /** Replace the behaviour at run time (fault drills); the same as POST /_sim/config. */
  configure(input: SimulatorConfigInput): void;
  /** Fault drill: drops every SMPP connection and refuses new ones for `downMs`, then listens again on the same port. */
  restartSmsc(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const InboundRequest = z.object({
  provider: z.enum(["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage", "smpp"]),
  from: z.string().min(1),
  to: z.string().default("8080"),
  text: z.string(),
  /** Twilio signs with the account's auth token; Telegram routes by bot token. */
  token: z.string().optional(),
  /** A media message (WhatsApp and Telegram): the id POST /_sim/media answered, the text its caption. */
  media: z
    .object({ id: z.string().min(1), kind: z.enum(["image", "document", "audio", "video"]).default("image") })
    .optional(),
});

/**
 * The provider simulator: one HTTP server speaking six providers' send APIs, an SMTP server
 * and an SMSC, all on 127.0.0.1, with counters at GET /_sim/stats and what each accepted send
 * carried at GET /_sim/received?provider=&to=.
 */
export async function startSimulator(
  input: SimulatorConfigInput = {},
  opts: { logger?: Logger; random?: () => number } = {},
): Promise<RunningSimulator> {
  const logger = opts.logger ?? createLogger("simulator");
  const stats = new SimStats();
  let config = SimulatorConfig.parse(input);
  const webhooks = new WebhookSender(() => config, stats, logger);
  const ctx = new SimContext(config, stats, webhooks, logger, new Dice(opts.random));
  const configure = (next: SimulatorConfigInput) => {
    config = SimulatorConfig.parse({ ...input, ...next });
    ctx.config = config;
  };

  const tg = telegramRoutes(ctx);
  const meta = metaRoutes(ctx);
  const sms = smsRoutes(ctx);
  const smtp = await startSmtp(ctx, config.smtpPort);
  let smsc = await startSmsc(ctx, config.smppPort);

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));
  app.use(express.urlencoded({ extended: false, limit: "1mb" }));

  app.use(mediaLibraryRoutes(ctx.media));
  app.use(inboundMailRoutes(ctx.media, webhooks));
  app.get("/_sim/stats", (_req, res) => {
    res.json(stats.snapshot());
  });
  app.get("/_sim/timeline/:provider", (req, res) => {
    res.json({ provider: req.params.provider, acceptedAt: stats.timelineOf(req.params.provider as ProviderKey) });
  });
  app.get("/_sim/recipients/:provider", (req, res) => {
    res.json({ provider: req.params.provider, recipients: stats.recipientsOf(req.params.provider as ProviderKey) });
  });
  app.get("/_sim/received", (req, res) => {
    const q = (name: string) => {
      const v = req.query[name];
      return typeof v === "string" ? v : undefined;
    };
    const limit = q("limit") !== undefined ? Number(q("limit")) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      res.status(400).json({ detail: "limit: a positive integer", code: "invalid_query" });
      return;
    }
    res.json({ received: stats.received.query({ provider: q("provider"), to: q("to"), limit }) });
  });
  app.get("/_sim/deliveries", (req, res) => {
    const q = (name: string) => (typeof req.query[name] === "string" ? req.query[name] : undefined);
    const kind = q("kind");
    if (kind !== undefined && kind !== "inbound" && kind !== "receipt") {
      res.status(400).json({ detail: "kind: inbound or receipt", code: "invalid_query" });
      return;
    }
    res.json({ deliveries: stats.deliveries.list({ kind, provider: q("provider") }) });
  });
  app.post("/_sim/reset", (_req, res) => {
    stats.reset();
    ctx.media.resetUploads();
    res.status(204).end();
  });
  app.get("/_sim/config", (_req, res) => {
    res.json(config);
  });
  app.post("/_sim/config", (req, res) => {
    const parsed = SimulatorConfig.safeParse({ ...input, ...(req.body as object) });
    if (!parsed.success) {
      res.status(400).json({
        detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        code: "invalid_config",
      });
      return;
    }
    configure(req.body as SimulatorConfigInput);
    res.json(config);
  });
  app.post("/_sim/inbound", async (req, res) => {
    const parsed = InboundRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({
        detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        code: "invalid_inbound",
      });
      return;
    }
    const { provider, from, to, text, token, media } = parsed.data;
    if (media && !ctx.media.get(media.id)) {
      res.status(400).json({ detail: `no media ${media.id} (POST /_sim/media first)`, code: "invalid_inbound" });
      return;
    }
    const sent = await {
      telegram: () => tg.sendInbound(from, text, token, media),
      whatsapp: () => meta.sendWhatsAppInbound(from, text, media),
      messenger: () => meta.sendMessengerInbound(from, text),
      twilio: () => sms.sendTwilioInbound(from, to, text, token),
      africastalking: () => sms.sendAfricasTalkingInbound(from, to, text),
      vonage: () => sms.sendVonageInbound(from, to, text),
      smpp: async () => smsc.sendMo(from, to, text),
    }[provider]();
    if (!sent) {
      res.status(409).json({ detail: `no webhook target or bind for ${provider}`, code: "no_target" });
      return;
    }
    res.status(202).json({ sent: true });
  });

  // SMS routes first: their fixed paths would otherwise be taken by the Graph-shaped patterns.
  app.use(sms.router);
  app.use(tg.router);
  app.use(meta.router);
  app.use((_req, res) => {
    res.status(404).json({ detail: "no simulated endpoint here", code: "not_found" });
  });
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 400;
    res.status(status).json({ detail: err.message, code: "bad_request" });
  });

  const http: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.httpPort, "127.0.0.1", (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const httpPort = (http.address() as AddressInfo).port;
  logger.info({ http: httpPort, smtp: smtp.port, smpp: smsc.port }, "provider simulator listening on 127.0.0.1");

  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    smtpPort: smtp.port,
    smppPort: smsc.port,
    stats,
    context: ctx,
    configure,
    async restartSmsc(downMs: number) {
      const port = smsc.port;
      for (const s of smsc.server.sessions.slice()) s.destroy();
      await new Promise<void>((r) => smsc.server.close(() => r()));
      await new Promise((r) => setTimeout(r, downMs));
      smsc = await startSmsc(ctx, port, smsc.state);
    },
    async stop() {
      ctx.stop();
      for (const s of smsc.server.sessions.slice()) s.destroy();
      await Promise.all([
        new Promise<void>((r) => {
          http.closeAllConnections();
          http.close(() => r());
        }),
        new Promise<void>((r) => smtp.server.close(() => r())),
        new Promise<void>((r) => smsc.server.close(() => r())),
      ]);
    },
  };
}
