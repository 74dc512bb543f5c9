import { describe, expect, it } from "vitest";
import { campaignRenderer } from "../campaign/render.js";
import { planPage } from "../campaign/page-plan.js";
import { composeAsGiven, composeForChannel, renderParts, type ContentSource } from "./compose.js";

const keep = (body: string, extra: Partial<ContentSource> = {}): ContentSource => ({
  body,
  fallbackStrategy: "keep",
  ...extra,
});

describe("rendered output is capped per channel part", () => {
  it("the measured preview attack stops at the cap instead of rendering 21.8M characters", () => {
    const started = performance.now();
    const r = renderParts(keep("{A}".repeat(21_845)), { customValues: { A: "x".repeat(1000) } });
    expect(r.tooLong).toMatchObject({ part: "body", limit: 262_144 });
    expect(r.body.length).toBeLessThanOrEqual(262_144);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("a long contact metadata value is refused like any other, never a RangeError", () => {
    const contact = { name: "A", metadata: { note: "y".repeat(30_000) } };
    expect(() => renderParts(keep("{NOTE}".repeat(21_845)), { contact })).not.toThrow();
    expect(renderParts(keep("{NOTE}".repeat(21_845)), { contact }).tooLong?.part).toBe("body");
  });

  it.each([
    ["telegram", 4096],
    ["whatsapp", 4096],
    ["messenger", 2000],
    ["sms", 1600],
    ["smpp", 1600],
  ] as const)("%s bodies at most %i characters", (type, limit) => {
    const at = composeForChannel(type, keep("{V}"), { customValues: { V: "z".repeat(limit) } }, {});
    expect(at.tooLong).toBeUndefined();
    const over = composeForChannel(type, keep("{V}!"), { customValues: { V: "z".repeat(limit) } }, {});
    expect(over.tooLong).toMatchObject({ part: "body", limit });
    expect(composeAsGiven(type, "z".repeat(limit + 1), {}).tooLong).toMatchObject({ part: "body", limit });
  });

  it("e-mail: subject 998 characters, HTML and text 256 KB", () => {
    const src = keep("b", { email: { subject: "Re {S}", html: "<p>{H}</p>" } });
    const subject = composeForChannel("email", src, { customValues: { S: "s".repeat(996), H: "h" } }, {});
    expect(subject.tooLong).toMatchObject({ part: "subject", limit: 998 });
    const html = composeForChannel("email", src, { customValues: { S: "s", H: "h".repeat(262_144) } }, {});
    expect(html.tooLong).toMatchObject({ part: "html", limit: 262_144 });
    expect(composeForChannel("email", src, { customValues: { S: "s", H: "h" } }, {}).tooLong).toBeUndefined();
  });

  it("a campaign recipient whose message is too long is skipped with the reason, the others are sent", () => {
    const render = campaignRenderer(
      {
        templateBody: "Hi {NAME} {BIO}",
        fallbackStrategy: "keep",
        defaultValues: {},
        templateActive: true,
        messageBody: null,
        customValues: {},
        templateId: "t1",
      },
      "telegram",
    );
    const plan = planPage(
      [
        { id: "c1", name: "Short", phone: null, email: null, metadata: { bio: "ok", telegram_chat_id: "1" } },
        {
          id: "c2",
          name: "Long",
          phone: null,
          email: null,
          metadata: { bio: "w".repeat(5000), telegram_chat_id: "2" },
        },
      ] as never,
      "telegram",
      render,
    );
    expect(plan.rows.map((r) => [r.status, r.errorCode])).toEqual([
      ["queued", null],
      ["skipped", "rendered_too_long"],
    ]);
    expect(plan.rows[1]!.body.length).toBeLessThanOrEqual(4096);
  });
});
