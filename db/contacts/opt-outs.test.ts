import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../client.js";
import { insertChannel, openMigratedEmbedded } from "../testkit/embedded.js";
import { markOptOuts, optOutsOfContact, type OptOutMark } from "./opt-outs.js";

/** Opt-out marks and suppressions on an in-memory PGlite with the migrations applied. */
const t0 = new Date("2026-03-10T12:00:00.000Z");

describe("opt-outs and suppressions", () => {
  let db: Database;
  const A = randomUUID();
  let ch: string;
  beforeAll(async () => {
    db = await openMigratedEmbedded();
    ch = await insertChannel(db, A, { channelType: "email", provider: "default" });
  });
  afterAll(() => db.close());

  const mark = (over: Partial<OptOutMark>): OptOutMark => ({
    accountId: A,
    scope: "email",
    address: "ana@example.org",
    contactId: null,
    channelId: ch,
    source: "bounce",
    reason: "bounce:Permanent/General: smtp; 550 5.1.1 user unknown",
    ...over,
  });

  it("a contact lists the marks linked to it and those on its addresses, in their stored form; not another account's", async () => {
    const contact = {
      id: randomUUID(),
      accountId: A,
      email: " Ana@Example.org ",
      phone: "251911000301",
      metadata: { telegram_chat_id: 5550301 },
    };
    await db.withSession((s) =>
      markOptOuts(
        s,
        [
          mark({}),
          mark({ scope: "sms", address: "+251911000301", source: "keyword", reason: "STOP" }),
          mark({ scope: "telegram", address: "5550301", source: "provider", reason: "blocked" }),
          mark({ scope: "messenger", address: "psid-1", contactId: contact.id, source: "provider", reason: "551" }),
          mark({ scope: "whatsapp", address: "+251911000399", source: "provider", reason: "131050" }),
          mark({ accountId: randomUUID(), address: "ana@example.org" }),
        ],
        t0,
      ),
    );
    const listed = await optOutsOfContact(db, contact);
    expect(listed.map((o) => [o.scope, o.address, o.source, o.reason])).toEqual([
      ["email", "ana@example.org", "bounce", "bounce:Permanent/General: smtp; 550 5.1.1 user unknown"],
      ["messenger", "psid-1", "provider", "551"],
      ["sms", "+251911000301", "keyword", "STOP"],
      ["telegram", "5550301", "provider", "blocked"],
    ]);
    expect(listed[0]).toMatchObject({ channelId: ch, createdAt: t0 });
  });

  it("a contact without marks lists none", async () => {
    expect(
      await optOutsOfContact(db, { id: randomUUID(), accountId: A, email: null, phone: null, metadata: {} }),
    ).toEqual([]);
  });
});
