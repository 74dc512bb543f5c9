import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

describe("recurring schedules at the REST API", () => {
  let api: EmbeddedApi;
  let channelId: string;
  beforeAll(async () => {
    api = await startEmbeddedApi();
    channelId = await insertChannel(api.db, api.accountId);
  }, 60_000);
  afterAll(async () => api.close());

  const single = (rule: string) => ({
    channel_id: channelId,
    send_type: "single",
    delivery_address: "+254712345678",
    message_body: "hello",
    scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
    is_recurring: true,
    recurrence_rule: rule,
  });

  it("a per-second rule answers 400 recurrence_too_frequent", async () => {
    const res = await api.call("POST", "/v1/scheduled-messages", { body: single("* * * * * *") });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "recurrence_too_frequent", field: "recurrence_rule" });
    const ok = await api.call("POST", "/v1/scheduled-messages", { body: single("*/5 * * * *") });
    expect(ok.status).toBe(201);
    const patch = await api.call("PATCH", `/v1/scheduled-messages/${ok.body.id as string}`, {
      body: { recurrence_rule: "*/10 * * * * *" },
    });
    expect(patch.status).toBe(400);
    expect(patch.body.code).toBe("recurrence_too_frequent");
  });

  it("an account holds at most 100 active recurring schedules", async () => {
    let last = 0;
    for (let i = 0; i < 101 && last !== 400; i++)
      last = (await api.call("POST", "/v1/scheduled-messages", { body: single("0 9 * * *") })).status;
    const res = await api.call("POST", "/v1/scheduled-messages", { body: single("0 9 * * *") });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("too_many_schedules");
  });
});
