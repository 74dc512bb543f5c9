import { describe, expect, it } from "vitest";
import { inboundMessage } from "../messages/vocabulary.js";
import {
  assembleParts,
  concatPartOf,
  contactKeyOf,
  finalKeywordActions,
  phoneSpellings,
  planInbound,
  type StoredPart,
} from "./inbound-plan.js";

describe("inbound plan: sender, conversation and keyword", () => {
  it("normalises the sender and our side, and reads an opt-out keyword", () => {
    const m = inboundMessage({
      providerMessageId: "SM1",
      from: "251 911-000 001",
      to: "+1 555 000 1111",
      text: " stop ",
    });
    expect(planInbound("sms", m)).toEqual({
      address: "+251911000001",
      scope: "sms",
      participantTo: "+15550001111",
      keyword: { action: "opt_out", keyword: "STOP" },
      name: null,
    });
  });

  it("follows the provider's own opt-out signal over the keyword list", () => {
    const custom = inboundMessage({
      providerMessageId: "SM2",
      from: "+251911000004",
      text: "Arret",
      metadata: { providerOptOut: "opt_out", optOutType: "STOP" },
    });
    expect(planInbound("sms", custom).keyword).toEqual({ action: "opt_out", keyword: "ARRET", source: "provider" });
    const back = inboundMessage({
      providerMessageId: "SM3",
      from: "+251911000004",
      text: "stop",
      metadata: { providerOptOut: "opt_in" },
    });
    expect(planInbound("sms", back).keyword).toEqual({ action: "opt_in", keyword: "STOP", source: "provider" });
  });

  it("SMPP shares the sms opt-out scope; a missing recipient keys the conversation with an empty string", () => {
    const p = planInbound("smpp", inboundMessage({ providerMessageId: "1", from: "251911000002", text: "START" }));
    expect(p).toMatchObject({
      address: "+251911000002",
      scope: "sms",
      participantTo: "",
      keyword: { action: "opt_in", keyword: "START" },
    });
  });

  it("takes no keyword from non-text content, and a display name when the provider gives one", () => {
    const photo = inboundMessage({
      providerMessageId: "1:2",
      from: "700100",
      text: "STOP",
      contentType: "image",
      metadata: { firstName: "Abebe" },
    });
    expect(planInbound("telegram", photo)).toEqual({
      address: "700100",
      scope: "telegram",
      participantTo: "",
      name: "Abebe",
    });
    const wa = inboundMessage({
      providerMessageId: "wamid.1",
      from: "+251911000003",
      text: "hello",
      metadata: { profileName: " Sara " },
    });
    expect(planInbound("whatsapp", wa).name).toBe("Sara");
  });

  it("knows where each channel type keeps a contact's address", () => {
    expect(contactKeyOf("sms")).toEqual({ kind: "column", column: "phone" });
    expect(contactKeyOf("smpp")).toEqual({ kind: "column", column: "phone" });
    expect(contactKeyOf("whatsapp")).toEqual({ kind: "column", column: "phone" });
    expect(contactKeyOf("email")).toEqual({ kind: "column", column: "email" });
    expect(contactKeyOf("telegram")).toEqual({ kind: "metadata", key: "telegram_chat_id" });
    expect(contactKeyOf("messenger")).toEqual({ kind: "metadata", key: "messenger_psid" });
  });

  it("matches a stored number with or without its plus", () => {
    expect(phoneSpellings("+251911000001")).toEqual(["+251911000001", "251911000001"]);
    expect(phoneSpellings("8080")).toEqual(["8080", "+8080"]);
  });
});

describe("inbound plan: long SMS parts", () => {
  const part = (n: number, total = 3, body = `p${n}`, at = 1_000 + n): StoredPart => ({
    part: n,
    total,
    providerMessageId: `MID${n}`,
    body,
    receivedAt: new Date(at),
  });

  it("reads Vonage's concat metadata and refuses nonsense", () => {
    const m = (concat: unknown) =>
      inboundMessage({ providerMessageId: "x", from: "+1", text: "t", metadata: { concat } });
    expect(concatPartOf(m({ ref: "08B5", total: 3, part: 2 }))).toEqual({ ref: "08B5", total: 3, part: 2 });
    expect(concatPartOf(m(null))).toBeNull();
    expect(concatPartOf(m({ ref: "08B5", total: 1, part: 1 }))).toBeNull();
    expect(concatPartOf(m({ ref: "08B5", total: 3, part: 4 }))).toBeNull();
    expect(concatPartOf(m({ ref: "", total: 3, part: 1 }))).toBeNull();
    expect(concatPartOf(m({ ref: "08B5", total: "x", part: 1 }))).toBeNull();
  });

  it("joins the parts in order once all are in, with the first part's id and time", () => {
    expect(assembleParts([part(3), part(1)])).toBeUndefined();
    expect(assembleParts([part(3), part(1), part(2), part(2)])).toEqual({
      providerMessageId: "MID1",
      text: "p1p2p3",
      receivedAt: new Date(1_001),
    });
    expect(assembleParts([])).toBeUndefined();
  });
});

describe("inbound plan: keywords in one batch", () => {
  it("keeps the last keyword per address", () => {
    const hits = finalKeywordActions([
      { address: "+1", at: new Date(2), action: "opt_in", keyword: "START" },
      { address: "+1", at: new Date(1), action: "opt_out", keyword: "STOP" },
      { address: "+2", at: new Date(1), action: "opt_out", keyword: "QUIT" },
    ]);
    expect(hits).toEqual([
      { address: "+1", at: new Date(2), action: "opt_in", keyword: "START" },
      { address: "+2", at: new Date(1), action: "opt_out", keyword: "QUIT" },
    ]);
  });
});
