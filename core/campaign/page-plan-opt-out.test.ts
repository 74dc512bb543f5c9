import { describe, expect, it } from "vitest";
import { normaliseAddress } from "../webhooks/opt-out.js";
import { planPage, withoutOptedOut, type RenderedText } from "./page-plan.js";

const plain = (text: string): RenderedText => ({ text, skipped: false, missing: [] });

describe("campaign page plan without opted-out recipients", () => {
  const contacts = [
    { id: "a", name: "Abebe", phone: "251911000001" },
    { id: "b", name: "Chaltu", phone: "+251911000002" },
    { id: "c", phone: "+251911000003" },
    { id: "d" },
  ];
  const plan = planPage(contacts, "sms", (c) =>
    c.name ? plain(`Hi ${c.name}`) : { text: "", skipped: true, missing: ["NAME"] },
  );

  it("drops rows to opted-out addresses (compared in the opt-out form) and counts them as skipped opted_out", () => {
    const stopped = new Set(["+251911000001", "+251911000003"]);
    const out = withoutOptedOut(plan, (address) => stopped.has(normaliseAddress("sms", address)));
    expect(out.rows.map((r) => r.contactId)).toEqual(["b"]);
    expect(out.skipped).toEqual({ no_address: 1, opted_out: 2 });
  });

  it("counts addresses a permanent bounce suppressed under their own reason", () => {
    const stopped = new Set(["+251911000001"]);
    const bounced = new Set(["+251911000002"]);
    const optedOut = withoutOptedOut(plan, (address) => stopped.has(normaliseAddress("sms", address)));
    const out = withoutOptedOut(optedOut, (address) => bounced.has(address), "suppressed_bounce");
    expect(out.rows.map((r) => r.contactId)).toEqual(["c"]);
    expect(out.skipped).toEqual({ no_address: 1, opted_out: 1, suppressed_bounce: 1 });
  });

  it("leaves the plan alone when nobody opted out", () => {
    expect(withoutOptedOut(plan, () => false)).toBe(plan);
  });
});
