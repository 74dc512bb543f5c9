import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertCampaign, insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

describe("group message progress streams", () => {
  let api: EmbeddedApi;
  let campaignId: string;
  beforeAll(async () => {
    api = await startEmbeddedApi({ API_SSE_MAX_STREAMS_PER_ACCOUNT: "2", API_SSE_MAX_LIFETIME_SECONDS: "2" });
    const channelId = await insertChannel(api.db, api.accountId);
    campaignId = await insertCampaign(api.db, api.accountId, channelId, new Date());
  }, 60_000);
  afterAll(async () => api.close());

  const open = (signal?: AbortSignal) =>
    fetch(`${api.url}/v1/group-messages/${campaignId}/events`, { headers: { "x-api-key": api.apiKey }, signal });

  it("an account holds a bounded number of streams at once: the next one is a 429", async () => {
    const ctl = new AbortController();
    const first = await open(ctl.signal);
    const second = await open(ctl.signal);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: "too_many_streams" });
    expect(third.headers.get("retry-after")).toBeTruthy();
    ctl.abort();
    // A closed stream gives its slot back.
    await new Promise((r) => setTimeout(r, 300));
    const again = await open();
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it("a stream ends after its maximum lifetime (the client reconnects)", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const res = await open();
    expect(res.status).toBe(200);
    const text = await res.text();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(6_000);
    expect(text).toContain("event: progress");
    expect(text).not.toContain("event: end");
  });
});
