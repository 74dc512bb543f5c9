import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/**
 * GET /v1/channels/{id}/webhook on the embedded API: the receiver's address for the channel and
 * its provider's setup steps with that address in them; another account's channel is not found.
 */
describe("a channel's webhook URL and setup steps", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi();
  });
  afterAll(async () => api.close());

  it("gives the address under the request's origin and the provider's steps that paste it", async () => {
    const twilio = await insertChannel(api.db, api.accountId, { channelType: "sms", provider: "twilio" });
    const got = await api.call("GET", `/v1/channels/${twilio}/webhook`);
    const url = `${api.url}/webhooks/sms/${twilio}`;
    expect(got).toMatchObject({ status: 200, body: { url, registration: "manual" } });
    const steps = got.body.steps as string[];
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.some((s) => s.includes(url))).toBe(true);

    const bot = await insertChannel(api.db, api.accountId, { channelType: "telegram", provider: "default" });
    const telegram = await api.call("GET", `/v1/channels/${bot}/webhook`);
    expect(telegram.body).toMatchObject({ url: `${api.url}/webhooks/telegram/${bot}`, registration: "automatic" });

    const smpp = await insertChannel(api.db, api.accountId, { channelType: "smpp", provider: "default" });
    expect((await api.call("GET", `/v1/channels/${smpp}/webhook`)).body).toMatchObject({ registration: "none" });
  });

  it("does not show another account's channel", async () => {
    const theirs = await insertChannel(api.db, randomUUID(), { channelType: "sms", provider: "twilio" });
    expect(await api.call("GET", `/v1/channels/${theirs}/webhook`)).toMatchObject({
      status: 404,
      body: { code: "not_found" },
    });
  });
});
