/**
 * The REST API on an in-memory PGlite with every migration applied, listening on 127.0.0.1, for
 * unit tests of request handling that need no PostgreSQL server or runtime: an admin API key for
 * one account, Bearer tokens for any set of accounts (a local key set), a recording publisher and
 * the log lines written.
 */

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { createLogger } from "../../../core/logger.js";
import type { DeadLetterStore } from "../../../core/dead-letters.js";
import type { MediaStore } from "../../../core/media/store.js";
import type { EventPublisher } from "../../../core/publisher.js";
import { createApiKey } from "../../../db/accounts/api-keys.js";
import type { Database } from "../../../db/client.js";
import { openMigratedEmbedded } from "../../../db/testkit/embedded.js";
import { createApiApp } from "../app.js";
import { apiConfigSchema } from "../config.js";

const ISSUER = "https://issuer.test/embedded";
const AUDIENCE = "embedded-test";

export interface EmbeddedApi {
  db: Database;
  url: string;
  accountId: string;
  apiKey: string;
  logs: string[];
  published: { topic: string; data: unknown }[];
  token(accounts: string[]): Promise<string>;
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: { detail?: string; code?: string } & Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startEmbeddedApi(
  config: Record<string, string> = {},
  deps: { media?: MediaStore; mediaLinkKey?: Buffer; deadLetters?: DeadLetterStore } = {},
): Promise<EmbeddedApi> {
  const db = await openMigratedEmbedded();
  const pair = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const logs: string[] = [];
  const logger = createLogger("api-unit", {
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const published: { topic: string; data: unknown }[] = [];
  const publisher: EventPublisher = {
    publish: async (topic, data) => {
      published.push({ topic, data });
    },
  };
  const app = createApiApp({
    db,
    publisher,
    logger,
    jwks: createLocalJWKSet({ keys: [jwk] }),
    media: deps.media,
    mediaLinkKey: deps.mediaLinkKey,
    deadLetters: deps.deadLetters,
    config: apiConfigSchema.parse({
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      API_RATE_LIMIT: "0",
      ...config,
    }),
  });
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accountId = randomUUID();
  const { key } = await createApiKey(db.orm, accountId, "unit", "admin", new Date());
  return {
    db,
    url,
    accountId,
    apiKey: key,
    logs,
    published,
    async token(accounts) {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ "cognito:groups": ["admin"], "custom:account_ids": accounts.join(",") })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject("unit")
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(pair.privateKey);
    },
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { "x-api-key": key, ...opts.headers };
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${url}${path}`, {
        method,
        headers,
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = { text };
      }
      return { status: res.status, body };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await db.close();
    },
  };
}
