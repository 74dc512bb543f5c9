import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matrixChannels } from "../matrix/channels.js";
import { startMatrixHarness, type MatrixHarness } from "../matrix/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";

/**
 * Suppressions and quotas on the production set (RabbitMQ, PostgreSQL, real sidecars, the
 * simulator), driven through the REST API: a suppressed address is never handed to the provider,
 * neither by a single send nor by a campaign, while its neighbours are; a quota refuses with 429
 * before any row is written, also under concurrent requests.
 */
const BASE = 31_700;

let m: MatrixHarness;
const label = "sms/twilio";

beforeAll(async () => {
  m = await startMatrixHarness(BASE, (sim) => matrixChannels(sim).filter((c) => c.label === label));
}, 240_000);
afterAll(async () => m?.stop());

const channel = () => m.channelIds.get(label)!;
const ch = () => m.channels[0]!;
const count = (sql: string, params: unknown[]) =>
  withPg(m.H.h.db, async (c) => Number((await c.query<{ n: number }>(sql, params)).rows[0]!.n));

describe("suppressions", () => {
  it("a single send and a campaign skip suppressed addresses (account-wide and on the scope); the rest reach the provider", async () => {
    const [byHand, byScope, fine, inCampaign] = [701, 702, 703, 704].map((i) => ch().address(i)) as [
      string,
      string,
      string,
      string,
    ];
    expect((await m.api("POST", "/v1/suppressions", { address: byHand, note: "asked by phone" })).status).toBe(201);
    expect(
      (await m.api("POST", "/v1/suppressions", { address: byScope, scope: "sms", reason: "opt_out_keyword" })).status,
    ).toBe(201);
    const sends = await Promise.all(
      [byHand, byScope, fine].map((to) =>
        m.api("POST", "/v1/messages", {
          channel_id: channel(),
          delivery_address: to,
          message_body: "suppression check",
        }),
      ),
    );
    expect(sends.map((s) => s.status)).toEqual([201, 201, 201]);
    const ids = sends.map((s) => s.body.id as string);
    const rows = await eventually(
      "the three sends settled",
      async () => {
        const r = await m.messages({ ids });
        return r.every((x) => ["delivered", "failed"].includes(x.status)) ? r : undefined;
      },
      60_000,
    );
    const byAddress = Object.fromEntries(rows.map((r) => [r.delivery_address, [r.status, r.error_code]]));
    expect(byAddress).toEqual({
      [byHand]: ["failed", "suppressed"],
      [byScope]: ["failed", "opted_out"],
      [fine]: ["delivered", null],
    });
    expect(await m.received(ch().simProvider, ch().simTo(byHand))).toEqual([]);
    expect(await m.received(ch().simProvider, ch().simTo(byScope))).toEqual([]);
    expect(await m.received(ch().simProvider, ch().simTo(fine))).toHaveLength(1);

    const group = await m.H.group("suppression campaign", `name,phone\nA,${byHand}\nB,${byScope}\nC,${inCampaign}\n`);
    const gm = await m.api("POST", "/v1/group-messages", {
      channel_id: channel(),
      contact_group_ids: [group],
      message_body: "campaign check",
      status: "queued",
    });
    expect(gm.status).toBe(201);
    const done = await m.H.waitFor(gm.body.id as string, (g) => g.status === "completed", "the campaign completed");
    expect(done).toMatchObject({ total_recipients: 3, skipped_count: 2 });
    const sent = await m.messages({ groupMessageId: gm.body.id as string });
    expect(sent.map((r) => r.delivery_address)).toEqual([inCampaign]);
    const campaignTexts = async (to: string) =>
      (await m.received(ch().simProvider, ch().simTo(to))).filter((r) => r.text === "campaign check");
    expect(await campaignTexts(byHand)).toEqual([]);
    expect(await campaignTexts(byScope)).toEqual([]);
    expect(await campaignTexts(inCampaign)).toHaveLength(1);
  });
});

describe("quotas", () => {
  it("concurrent sends past the daily quota answer 429 quota_exceeded before writing a row", async () => {
    const sms = await m.api("PATCH", "/v1/quotas/sms", {});
    expect(sms.status).toBe(400);
    const before = await count(
      `SELECT count(*)::int AS n FROM messages WHERE account_id = $1 AND channel_type = 'sms'`,
      [m.H.accountId],
    );
    const set = await m.api("PATCH", "/v1/quotas/sms", { daily_limit: before + 4 });
    expect(set.body).toMatchObject({ daily: { used: before, remaining: 4 } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        m.api("POST", "/v1/messages", {
          channel_id: channel(),
          delivery_address: ch().address(800 + i),
          message_body: "quota check",
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(4);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(6);
    expect(refused[0]!.body).toMatchObject({ code: "quota_exceeded", period: "day", resets_at: expect.any(String) });
    expect(
      await count(`SELECT count(*)::int AS n FROM messages WHERE account_id = $1 AND message_body = 'quota check'`, [
        m.H.accountId,
      ]),
    ).toBe(4);
    const group = await m.H.group("quota campaign", `name,phone\nA,${ch().address(901)}\n`);
    const before2 = await count(`SELECT count(*)::int AS n FROM group_messages WHERE account_id = $1`, [m.H.accountId]);
    const gm = await m.api("POST", "/v1/group-messages", {
      channel_id: channel(),
      contact_group_ids: [group],
      message_body: "quota campaign",
      status: "queued",
    });
    expect(gm).toMatchObject({ status: 429, body: { code: "quota_exceeded" } });
    expect(await count(`SELECT count(*)::int AS n FROM group_messages WHERE account_id = $1`, [m.H.accountId])).toBe(
      before2,
    );
    const quotas = await m.api("GET", "/v1/quotas");
    expect(quotas.body.items).toEqual([
      expect.objectContaining({ channel_type: "sms", daily: expect.objectContaining({ remaining: 0 }) }),
    ]);
  });
});
