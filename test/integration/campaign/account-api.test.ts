import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountApiContactSource } from "../../../services/campaign/sources/account-api.js";
import { ContactSourceError } from "../../../services/campaign/sources/contact-source.js";
import { simRecipients, startCampaignHarness, telegram, type CampaignHarness } from "./harness.js";

/**
 * The Account API contact source against a local server that speaks
 * the platform's list grammar, then a whole campaign fed by it, and one whose source is down.
 */
interface Seen {
  url: URL;
  headers: Record<string, string | string[] | undefined>;
}

/** Ports of this file (the harness takes 19300-19349): two fake Account APIs and one nobody listens on. */
const ACCOUNT_API_PORT = 19_390;
const CAMPAIGN_ACCOUNT_API_PORT = 19_391;
const NOBODY_LISTENS = 19_399;

function fakeAccountApi(
  port: number,
  contacts: { id: string; first_name: string; last_name: string; attributes: Record<string, unknown> }[],
) {
  const seen: Seen[] = [];
  let failNext = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    seen.push({ url, headers: req.headers });
    if (failNext > 0) {
      failNext--;
      res
        .writeHead(503, { "content-type": "application/json" })
        .end(JSON.stringify({ detail: "busy", code: "UNAVAILABLE" }));
      return;
    }
    if (req.headers.authorization !== "Bearer account-api-token") {
      res
        .writeHead(401, { "content-type": "application/json" })
        .end(JSON.stringify({ detail: "unauthorized", code: "UNAUTHORIZED" }));
      return;
    }
    const skip = Number(url.searchParams.get("skip") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 100);
    const items = contacts.slice(skip, skip + limit);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ items, total: contacts.length }));
  });
  return {
    seen,
    failTimes(n: number) {
      failNext = n;
    },
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const people = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `c-${from + i}`,
    first_name: `Ana${i}`,
    last_name: "Tesfaye",
    attributes: { telegram_chat_id: String(from + i) },
  }));

describe("Account API contact source", () => {
  const api = fakeAccountApi(ACCOUNT_API_PORT, people(2_500, 70_000_000));
  let url = "";
  beforeAll(async () => {
    url = await api.listen();
  });
  afterAll(async () => {
    await api.close();
  });

  it("pages through group_id:in:… with the service token and the tenant header, retrying a busy server", async () => {
    const src = new AccountApiContactSource({ baseUrl: url, token: "account-api-token", backoffMs: 10 });
    api.failTimes(2);
    const q = { accountId: "0b0b5c1e-8a8a-4b4b-9c9c-0d0d0d0d0d0d", groupIds: ["g1", "g2"] };
    const all: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await src.page(q, cursor, 1_000);
      all.push(...page.contacts.map((c) => c.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(all).toHaveLength(2_500);
    expect(new Set(all).size).toBe(2_500);
    const ok = api.seen.filter((s) => s.headers.authorization);
    expect(ok[0]!.url.pathname).toBe("/v1/contacts/");
    expect(ok[0]!.url.searchParams.getAll("filter")).toEqual(["group_id:in:g1,g2"]);
    expect(ok.map((s) => s.url.searchParams.get("skip"))).toEqual(["0", "0", "0", "1000", "2000"]);
    expect(ok[0]!.headers["x-account-ids"]).toBe(q.accountId);
    const page = await src.page(q, null, 1);
    expect(page.contacts[0]).toMatchObject({
      id: "c-70000000",
      name: "Ana0 Tesfaye",
      metadata: { telegram_chat_id: "70000000" },
    });
  });

  it("fails clearly: a refused token at once, an unreachable server after its retries, never echoing the token", async () => {
    const wrong = new AccountApiContactSource({ baseUrl: url, token: "wrong-token", backoffMs: 10 });
    const refused = await wrong.page({ accountId: "a", groupIds: ["g"] }, null, 10).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContactSourceError);
    expect((refused as ContactSourceError).retryable).toBe(false);
    expect((refused as Error).message).toMatch(/answered 401/);

    const down = new AccountApiContactSource({
      baseUrl: `http://127.0.0.1:${NOBODY_LISTENS}`,
      token: "secret-token-value",
      attempts: 3,
      backoffMs: 10,
    });
    const err = await down.page({ accountId: "a", groupIds: ["g"] }, null, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContactSourceError);
    expect((err as Error).message).toMatch(/unreachable.*after 3 attempts/);
    expect((err as Error).message).not.toContain("secret-token-value");
  });
});

describe("campaign fed by the Account API", () => {
  let H: CampaignHarness;
  const api = fakeAccountApi(CAMPAIGN_ACCOUNT_API_PORT, people(2_500, 80_000_000));
  beforeAll(async () => {
    const url = await api.listen();
    H = await startCampaignHarness({
      basePort: 19_300,
      appEnv: {
        CONTACT_SOURCE: "account_api",
        ACCOUNT_API_URL: url,
        ACCOUNT_API_TOKEN: "account-api-token",
        CAMPAIGN_SOURCE_FAILURE_TURNS: "2",
      },
    });
  });
  afterAll(async () => {
    await H?.stop();
    await api.close();
  });

  it(
    "sends to every contact the Account API lists, and fails the campaign clearly when it is down",
    { timeout: 180_000 },
    async () => {
      const channelId = await H.channel({
        name: "tg",
        channel_type: "telegram",
        credentials: telegram,
        rate_limit: 60_000,
      });
      // The API checks group references locally; the recipients come from the Account API.
      const group = await H.api("POST", "/v1/contact-groups", { account_id: H.accountId, name: "account-api-group" });
      const create = () =>
        H.api("POST", "/v1/group-messages", {
          account_id: H.accountId,
          channel_id: channelId,
          message_body: "Selam {FIRST_NAME}",
          contact_group_ids: [group.body.id],
          status: "queued",
        });
      const ok = (await create()).body.id as string;
      const done = await H.waitFor(ok, (g) => g.status === "completed", "the Account API campaign", 120_000);
      expect(done).toMatchObject({ total_recipients: 2_500, sent_count: 2_500, skipped_count: 0 });
      const sim = Object.keys(await simRecipients(H.h, "telegram")).filter((k) => k.startsWith("8000"));
      expect(sim).toHaveLength(2_500);
      expect(api.seen.some((s) => s.url.searchParams.get("filter") === `group_id:in:${group.body.id as string}`)).toBe(
        true,
      );

      await api.close();
      const failing = (await create()).body.id as string;
      const failed = await H.waitFor(failing, (g) => g.status === "failed", "the campaign to fail", 120_000);
      expect(failed.failure_reason).toMatch(
        /contact source failed 2 times in a row: Account API at http:\/\/127\.0\.0\.1:\d+ unreachable/,
      );
      expect(failed).toMatchObject({ sent_count: 0, queued_count: 0 });
    },
  );
});
