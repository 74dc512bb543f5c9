import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { createAdapterRegistry, outboundPolicy } from "../../../adapters/registry.js";
import { createTurumbaClient } from "../../../clients/typescript/index.js";
import { createLogger } from "../../../core/logger.js";
import type { EventPublisher, PublishOptions } from "../../../core/publisher.js";
import { openDatabase, type Database } from "../../../db/client.js";
import { runMigrations } from "../../../db/migrate.js";
import { maintainPartitions } from "../../../db/partitions.js";
import { SecretBox } from "../../../db/secret-box.js";
import { createApiApp } from "../../../services/api/app.js";
import { apiConfigSchema, type ApiConfig } from "../../../services/api/config.js";
import { startSimulator, type RunningSimulator } from "../../../services/simulator/simulator.js";
import { createTestDatabase } from "../support/database.js";

/**
 * A real API on 127.0.0.1 over a real, freshly created PostgreSQL database, with a real JWKS
 * endpoint for Bearer tokens, checking channel credentials with the provider simulator. The
 * broker is the only stand-in: a recording EventPublisher. Requests go through the typed client
 * (clients/typescript), so a route change that breaks clients breaks these tests too.
 */
export interface Published {
  topic: string;
  data: Record<string, unknown>;
  opts?: PublishOptions;
}

export class RecordingPublisher implements EventPublisher {
  readonly events: Published[] = [];
  failing = false;
  async publish(topic: string, data: unknown, opts?: PublishOptions): Promise<void> {
    if (this.failing) throw new Error("broker unavailable");
    this.events.push({ topic, data: data as Record<string, unknown>, opts });
  }
  on(topic: string): Published[] {
    return this.events.filter((e) => e.topic === topic);
  }
  clear(): void {
    this.events.length = 0;
  }
}

export class TestClock {
  constructor(public current = new Date("2026-03-10T12:00:00.000Z")) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Response bodies are read loosely in tests; the assertions are the type checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Res<T = Loose> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface CallOpts {
  token?: string;
  apiKey?: string;
  body?: unknown;
  raw?: string | Buffer | ReadableStream<Uint8Array>;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | string[]>;
}

export interface Harness {
  db: Database;
  url: string;
  publisher: RecordingPublisher;
  clock: TestClock;
  box: SecretBox;
  /** The providers the API checks channel credentials with (every HTTP provider, SMTP and SMPP). */
  sim: RunningSimulator;
  logs: string[];
  token(claims: {
    accounts?: string[];
    groups?: string[];
    sub?: string;
    expiresIn?: number;
    issuer?: string;
    extra?: Record<string, unknown>;
  }): Promise<string>;
  call<T = Loose>(method: string, path: string, opts?: CallOpts): Promise<Res<T>>;
  /** A second app instance (a replica) over the same database and key set. */
  replica(config?: Partial<Record<keyof ApiConfig, string>>): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

export const ISSUER = "https://issuer.test/pool";
export const AUDIENCE = "turumba-test-client";

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = (s: Server) =>
  new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

export async function startHarness(
  config: Partial<Record<keyof ApiConfig, string>> = {},
  pool: { poolMax?: number } = {},
): Promise<Harness> {
  const tdb = await createTestDatabase("api");
  const db = await openDatabase({ url: tdb.url, poolMax: pool.poolMax ?? 20 });
  await runMigrations(db);
  const clock = new TestClock();
  await maintainPartitions(db, { now: clock.now() });

  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const jwks = await listen((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: [jwk] }));
  });

  const publisher = new RecordingPublisher();
  const box = SecretBox.fromKeyRing(`test1:${randomBytes(32).toString("base64")}`);
  const logs: string[] = [];
  const logger = createLogger("api-test", {
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const makeConfig = (over: Partial<Record<keyof ApiConfig, string>>) =>
    apiConfigSchema.parse({
      AUTH_JWKS_URL: `${jwks.url}/.well-known/jwks.json`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      API_RATE_LIMIT: "0",
      ...config,
      ...over,
    });
  const sim = await startSimulator(
    { httpPort: 0, smtpPort: 0, smppPort: 0 },
    { logger: createLogger("simulator", { level: "silent" }) },
  );
  const adapters = createAdapterRegistry({
    logger,
    // The simulator's SMTP and SMPP endpoints listen on loopback: the operator's allow-list opens it.
    outbound: outboundPolicy("127.0.0.1"),
    baseUrls: Object.fromEntries(
      ["telegram", "whatsapp", "messenger", "twilio", "africastalking", "vonage"].map((p) => [p, sim.httpUrl]),
    ),
  });
  const deps = { db, publisher, logger, clock: clock.now, secretBox: box, adapters };
  const app = createApiApp({ ...deps, config: makeConfig({}) });
  const api = await listen(app);
  // The API's own tests see every answer as it is: no retries, no generated Idempotency-Keys.
  const client = createTurumbaClient({ baseUrl: api.url, retries: 0, idempotencyKeys: false });
  const replicas: Server[] = [];

  return {
    db,
    url: api.url,
    publisher,
    clock,
    box,
    sim,
    logs,
    async token({
      accounts = [],
      groups = ["admin"],
      sub = randomUUID(),
      expiresIn = 3600,
      issuer = ISSUER,
      extra = {},
    }) {
      const iat = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({
        "cognito:groups": groups,
        "custom:account_ids": accounts.join(","),
        token_use: "access",
        ...extra,
      })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + expiresIn)
        .sign(privateKey);
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.apiKey) headers["x-api-key"] = opts.apiKey;
      // The path's own query string goes out verbatim, as the test wrote it;
      // opts.query is appended to it.
      const u = new URL(path, opts.query ? "http://x" : api.url);
      const target = new URL(u.pathname + u.search, api.url);
      for (const [k, v] of Object.entries(opts.query ?? {}))
        for (const one of Array.isArray(v) ? v : [v]) target.searchParams.append(k, one);
      let res: Response;
      let text: string;
      if (opts.raw !== undefined) {
        // Deliberately malformed bodies and streamed uploads go out as they are, past the client.
        headers["content-type"] = opts.contentType ?? "application/json";
        res = await fetch(target, { method, headers, body: opts.raw as RequestInit["body"], duplex: "half" });
        text = await res.text();
      } else {
        // Any path, as tests build them; the typed calls are the demo's. A success's body is left
        // unread ("stream") and read here; an error's the client has read and parsed already,
        // and the API writes JSON exactly as JSON.stringify does.
        const r = (await client.request(
          method.toLowerCase() as "get",
          (target.pathname + target.search) as never,
          {
            headers,
            body: opts.body,
            parseAs: "stream",
          } as never,
        )) as { error?: unknown; response: Response };
        res = r.response;
        text = res.ok ? await res.text() : typeof r.error === "string" ? r.error : (JSON.stringify(r.error) ?? "");
      }
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as Loose, headers: res.headers, text };
    },
    async replica(over = {}) {
      const r = await listen(createApiApp({ ...deps, config: makeConfig(over) }));
      replicas.push(r.server);
      return { url: r.url, close: () => closeServer(r.server) };
    },
    async close() {
      await Promise.all([
        closeServer(api.server),
        closeServer(jwks.server),
        ...replicas.map((s) => (s.listening ? closeServer(s) : Promise.resolve())),
        sim.stop(),
      ]);
      await db.close();
      await tdb.drop();
    },
  };
}

/** An account with an admin token, ready to create rows. */
export async function account(h: Harness, groups: string[] = ["admin"]) {
  const id = randomUUID();
  const token = await h.token({ accounts: [id], groups });
  return { id, token };
}

export const telegramCreds = { bot_token: "123456789:AAExampleExampleExampleExample_x" };

export async function makeChannel(h: Harness, token: string, over: Record<string, unknown> = {}) {
  const res = await h.call("POST", "/v1/channels", {
    token,
    body: { name: `tg-${randomUUID().slice(0, 8)}`, channel_type: "telegram", credentials: telegramCreds, ...over },
  });
  if (res.status !== 201) throw new Error(`channel create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; channel_type: string };
}
