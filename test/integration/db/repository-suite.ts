import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getTableColumns, getTableName, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors.js";
import type { Database, Orm, Session, Transaction } from "../../../db/client.js";
import { uuidv7 } from "../../../db/ids.js";
import { MIGRATIONS_DIR, runMigrations } from "../../../db/migrate.js";
import { listPartitions, maintainPartitions } from "../../../db/partitions.js";
import { maintenanceOptionsFromEnv, runMaintenance, startMaintenance } from "../../../db/maintenance.js";
import { createLogger } from "../../../core/logger.js";
import { parseFilter, type FilterCondition } from "../../../db/query/filters.js";
import { listResource, type ListQuery, type Scope } from "../../../db/query/list.js";
import { parseSort } from "../../../db/query/sort.js";
import { contactsResource, messagesResource } from "../../../services/api/resources.js";
import { createApiKey, findApiKey, revokeApiKey } from "../../../db/accounts/api-keys.js";
import {
  createChannel,
  openCredentials,
  openWebhookSecret,
  reencryptChannels,
  updateChannel,
} from "../../../db/channels/repository.js";
import {
  addGroupMembers,
  createContact,
  createContactGroup,
  importContactsIntoGroup,
  removeGroupMember,
} from "../../../db/contacts/repository.js";
import { deleteScoped, getScoped, updateScoped } from "../../../db/query/crud.js";
import { createGroupMessage, transitionGroupMessage, updateGroupMessage } from "../../../db/campaigns/repository.js";
import { requestHash, withIdempotency } from "../../../db/accounts/idempotency.js";
import {
  changeMessageStatus,
  createMessage,
  deleteMessage,
  getMessage,
  listMessageEvents,
  type NewMessage,
} from "../../../db/messages/repository.js";
import { decide, hitRateLimit } from "../../../db/accounts/rate-limits.js";
import {
  createScheduledMessage,
  createScheduledWithinCap,
  transitionScheduledMessage,
  updateScheduledMessage,
} from "../../../db/schedules/repository.js";
import { schema, channels, messages } from "../../../db/schema.js";
import { SecretBox } from "../../../db/secret-box.js";
import type { Driver } from "./drivers.js";

const key = () => randomBytes(32).toString("base64");
const KEYS = `k1:${key()},k2:${key()}`;
const box1 = SecretBox.fromKeyRing(KEYS, "k1");
const box2 = SecretBox.fromKeyRing(KEYS, "k2");
const TELEGRAM = { bot_token: "123456:AAHsecretsecretsecretsecret" };

async function expectAppError(p: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(status);
  expect((err as AppError).code).toBe(code);
}

/** The same repository tests, run once per driver. */
export function repositorySuite(driver: Driver): void {
  describe(`repositories on ${driver.name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    const A = randomUUID();
    const B = randomUUID();
    const scopeA: Scope = { accountIds: [A] };
    const scopeB: Scope = { accountIds: [B] };
    const now = new Date("2026-03-10T12:00:00Z");

    beforeAll(async () => {
      ({ db, close } = await driver.open());
      await maintainPartitions(db, { now });
    });
    afterAll(async () => {
      await close();
    });

    const newChannel = (accountId = A, name = `ch-${randomUUID().slice(0, 8)}`) =>
      createChannel(
        db.orm,
        box1,
        { accountId, name, channelType: "telegram", provider: "default", credentials: TELEGRAM },
        now,
      );
    const msg = (channelId: string, over: Partial<NewMessage> = {}): NewMessage => ({
      accountId: A,
      channelId,
      channelType: "telegram",
      direction: "outbound",
      status: "queued",
      priority: 0,
      deliveryAddress: "12345",
      messageBody: "hello",
      ...over,
    });

    describe("migrations and schema", () => {
      it("a second run applies nothing, and an edited migration is refused", async () => {
        const again = await runMigrations(db);
        expect(again.applied).toEqual([]);
        expect(again.skipped).toContain("0001_messaging.sql");
        const dir = await mkdtemp(join(tmpdir(), "mig-"));
        await copyFile(join(MIGRATIONS_DIR, "0001_messaging.sql"), join(dir, "0001_messaging.sql"));
        await writeFile(
          join(dir, "0001_messaging.sql"),
          `${await readFile(join(dir, "0001_messaging.sql"), "utf8")}\n-- edited\n`,
        );
        await expect(runMigrations(db, { dir })).rejects.toThrow(/changed after it was applied/);
      });

      it("the drizzle schema names exactly the columns the migrations created", async () => {
        for (const table of Object.values(schema) as PgTable[]) {
          const name = getTableName(table);
          const expected = Object.values(getTableColumns(table))
            .map((c) => c.name)
            .sort();
          const live = await db.withSession((s) =>
            s.query<{ column_name: string }>(
              "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
              [name],
            ),
          );
          expect(live.rows.map((r) => r.column_name).sort(), name).toEqual(expected);
        }
      });
    });

    describe("transactions", () => {
      const names = async (accountId: string) =>
        (
          await db.withSession((s) =>
            s.query<{ name: string }>("SELECT name FROM contacts WHERE account_id = $1 ORDER BY name", [accountId]),
          )
        ).rows.map((r) => r.name);
      const insert = (s: Session, accountId: string, name: string) =>
        s.query(
          "INSERT INTO contacts (id, account_id, name, created_at, updated_at) VALUES ($1, $2, $3, now(), now())",
          [uuidv7(), accountId, name],
        );

      it("commit, rollback, a swallowed statement error, the isolation level", async () => {
        const acct = randomUUID();
        await db.transaction((tx) => insert(tx, acct, "a-committed"));
        await expect(
          db.transaction(async (tx) => (await insert(tx, acct, "b-undone"), Promise.reject(new Error("no")))),
        ).rejects.toThrow("no");
        await expect(
          db.transaction(async (tx) => {
            await insert(tx, acct, "c-lost");
            await tx.query("SELECT 1/0").catch(() => undefined);
          }),
        ).rejects.toThrow();
        expect(await names(acct)).toEqual(["a-committed"]);
        const level = await db.transaction(
          async (tx) => (await tx.query<{ transaction_isolation: string }>("SHOW transaction_isolation")).rows[0],
          { isolation: "repeatable read" },
        );
        expect(level).toEqual({ transaction_isolation: "repeatable read" });
      });

      it("drizzle and raw SQL in one transaction: committed together, rolled back together, a nested drizzle transaction is a savepoint", async () => {
        const acct = randomUUID();
        await db.transaction(async (tx) => {
          await createContact(tx.orm, acct, { name: "a-drizzle" }, now);
          await insert(tx, acct, "a-raw");
        });
        await expect(
          db.transaction(async (tx) => {
            await createContact(tx.orm, acct, { name: "b-drizzle-undone" }, now);
            await insert(tx, acct, "b-raw-undone");
            throw new Error("no");
          }),
        ).rejects.toThrow("no");
        // Orm hides transaction(); the handle underneath is drizzle's transaction object.
        const nested = (tx: Transaction) =>
          tx.orm as unknown as { transaction<T>(fn: (inner: Orm) => Promise<T>): Promise<T> };
        await db.transaction(async (tx) => {
          await expect(
            nested(tx).transaction(async (inner) => {
              await createContact(inner, acct, { name: "c-savepoint-undone" }, now);
              throw new Error("inner");
            }),
          ).rejects.toThrow("inner");
          await nested(tx).transaction((inner) => createContact(inner, acct, { name: "c-savepoint-released" }, now));
        });
        expect(await names(acct)).toEqual(["a-drizzle", "a-raw", "c-savepoint-released"]);
      });

      it("a rolled-back transaction keeps the writes other callers made meanwhile", async () => {
        const acct = randomUUID();
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const tx = db.transaction(async (s) => {
          await insert(s, acct, "in-tx");
          await gate;
          throw new Error("rolled back on purpose");
        });
        const outside = Promise.all([
          createContact(db.orm, acct, { name: "api" }, now),
          db.withSession((s) => insert(s, acct, "pipeline")),
        ]);
        await new Promise((r) => setTimeout(r, 50));
        release();
        await expect(tx).rejects.toThrow("rolled back on purpose");
        await outside;
        expect(await names(acct)).toEqual(["api", "pipeline"]);
      });
    });

    describe("channels: credentials at rest", () => {
      it("stores credentials as AES-GCM ciphertext bound to the row, and opens them again", async () => {
        const ch = await newChannel();
        const raw = await db.withSession((s) =>
          s.query<{ credentials_ciphertext: string; webhook_secret_ciphertext: string; credentials_key_id: string }>(
            "SELECT credentials_ciphertext, webhook_secret_ciphertext, credentials_key_id FROM channels WHERE id = $1",
            [ch.id],
          ),
        );
        const row = raw.rows[0]!;
        expect(row.credentials_key_id).toBe("k1");
        expect(row.credentials_ciphertext).not.toContain("secretsecret");
        expect(Buffer.from(row.credentials_ciphertext, "base64").toString("latin1")).not.toContain("secretsecret");
        expect(ch.credentialFields).toEqual(["bot_token"]);
        expect(openCredentials(box1, ch)).toEqual(TELEGRAM);
        expect(openWebhookSecret(box1, ch)).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // A ciphertext copied onto another channel does not open there.
        const other = await newChannel();
        expect(() => openCredentials(box1, { ...other, credentialsCiphertext: ch.credentialsCiphertext })).toThrow(
          /authentication/,
        );
      });

      it("replaces credentials on update and rotates every row to the active key", async () => {
        const ch = await newChannel();
        const secretBefore = openWebhookSecret(box1, ch);
        const updated = await updateChannel(
          db,
          box1,
          scopeA,
          ch.id,
          { credentials: { bot_token: "999:BBBnewnewnewnewnewnewnew" } },
          now,
        );
        expect(openCredentials(box1, updated!)).toEqual({ bot_token: "999:BBBnewnewnewnewnewnewnew" });
        const moved = await reencryptChannels(db.orm, box2);
        expect(moved).toBeGreaterThanOrEqual(1);
        const after = (await getScoped(db.orm, channels, scopeA, ch.id))!;
        expect(after.credentialsKeyId).toBe("k2");
        expect(openCredentials(box2, after)).toEqual({ bot_token: "999:BBBnewnewnewnewnewnewnew" });
        expect(openWebhookSecret(box2, after)).toBe(secretBefore);
        expect(await reencryptChannels(db.orm, box2)).toBe(0);
      });

      it("enforces the channel status lifecycle and the account scope", async () => {
        const ch = await newChannel();
        expect((await updateChannel(db, box1, scopeA, ch.id, { status: "paused" }, now))!.status).toBe("paused");
        expect((await updateChannel(db, box1, scopeA, ch.id, { status: "disabled" }, now))!.status).toBe("disabled");
        await expectAppError(
          updateChannel(db, box1, scopeA, ch.id, { status: "draining" }, now),
          409,
          "invalid_transition",
        );
        expect(await updateChannel(db, box1, scopeB, ch.id, { name: "stolen" }, now)).toBeUndefined();
        expect(await updateChannel(db, box1, scopeB, ch.id, { status: "active" }, now)).toBeUndefined();
        expect((await getScoped(db.orm, channels, scopeA, ch.id))!.name).toBe(ch.name);
      });
    });

    describe("filters, sorting, pagination", () => {
      // Accounts of their own, so rows other tests add do not change these expectations.
      const FA = randomUUID();
      const FB = randomUUID();
      const scopeFA: Scope = { accountIds: [FA] };
      const scopeFB: Scope = { accountIds: [FB] };
      let channelId: string;
      let other: string;
      const made: Record<string, string> = {};
      const list = (filters: string[], extra: Partial<ListQuery> = {}, scope = scopeFA) =>
        listResource(
          db.orm,
          messagesResource,
          scope,
          {
            filters: filters.map((f, i) => parseFilter(f, messagesResource.filters, i)),
            sort: [],
            skip: 0,
            limit: 100,
            ...extra,
          },
          10_000,
        );
      const idsOf = async (filters: string[]) => (await list(filters)).items.map((m) => made[m.id] ?? m.id).sort();

      beforeAll(async () => {
        channelId = (await newChannel(FA)).id;
        other = (await newChannel(FA)).id;
        const rows: [string, Partial<NewMessage>, Date][] = [
          [
            "m1",
            { deliveryAddress: "+251911000001", messageBody: "Hello Abebe", priority: 1 },
            new Date("2026-03-01T08:00:00Z"),
          ],
          [
            "m2",
            { deliveryAddress: "+251911000002", messageBody: "hello 100% sure", priority: 5, channelId: other },
            new Date("2026-03-02T08:00:00Z"),
          ],
          [
            "m3",
            { deliveryAddress: "+254700000003", messageBody: "Ciao_mondo", priority: 9, status: "skipped" },
            new Date("2026-03-03T08:00:00Z"),
          ],
          [
            "m4",
            {
              deliveryAddress: "user@example.com",
              messageBody: "HELLO world",
              priority: 3,
              direction: "system",
              status: "failed",
            },
            new Date("2026-03-04T08:00:00Z"),
          ],
        ];
        for (const [name, over, at] of rows) {
          const m = await createMessage(db.orm, msg(over.channelId ?? channelId, { accountId: FA, ...over }), at);
          made[m.id] = name;
        }
        const m4 = Object.keys(made).find((k) => made[k] === "m4")!;
        await db.orm
          .update(messages)
          .set({ providerMessageId: "prov-4" })
          .where(sql`${messages.id} = ${m4}`);
        // Another account's row, which no filter may reach.
        made[
          (
            await createMessage(
              db.orm,
              msg((await newChannel(FB)).id, { accountId: FB, messageBody: "Hello from B" }),
              now,
            )
          ).id
        ] = "b1";
      });

      it("eq, ne, lt, le, gt, ge", async () => {
        expect(await idsOf(["priority:eq:5"])).toEqual(["m2"]);
        expect(await idsOf(["status:ne:queued"])).toEqual(["m3", "m4"]);
        expect(await idsOf(["priority:lt:3"])).toEqual(["m1"]);
        expect(await idsOf(["priority:le:3"])).toEqual(["m1", "m4"]);
        expect(await idsOf(["priority:gt:3"])).toEqual(["m2", "m3"]);
        expect(await idsOf(["created_at:ge:2026-03-03T08:00:00Z"])).toEqual(["m3", "m4"]);
        expect(await idsOf(["provider_message_id:ne:prov-4"])).toEqual(["m1", "m2", "m3"]);
      });

      it("contains, icontains, startswith, endswith (wildcards match literally)", async () => {
        expect(await idsOf(["message_body:contains:ello"])).toEqual(["m1", "m2"]);
        expect(await idsOf(["message_body:icontains:hello"])).toEqual(["m1", "m2", "m4"]);
        expect(await idsOf(["message_body:contains:100%"])).toEqual(["m2"]);
        expect(await idsOf(["message_body:contains:%"])).toEqual(["m2"]);
        expect(await idsOf(["message_body:contains:o_m"])).toEqual(["m3"]);
        expect(await idsOf(["delivery_address:startswith:+2519"])).toEqual(["m1", "m2"]);
        expect(await idsOf(["delivery_address:endswith:.com"])).toEqual(["m4"]);
      });

      it("like and ilike take patterns", async () => {
        expect(await idsOf(["message_body:like:H%"])).toEqual(["m1", "m4"]);
        expect(await idsOf(["message_body:ilike:h%o%"])).toEqual(["m1", "m2", "m4"]);
        expect(await idsOf(["message_body:like:Ciao_mondo"])).toEqual(["m3"]);
      });

      it("in, range, is_null, is_not_null", async () => {
        expect(await idsOf(["status:in:skipped,failed"])).toEqual(["m3", "m4"]);
        expect(await idsOf([`channel_id:in:${other},${randomUUID()}`])).toEqual(["m2"]);
        expect(await idsOf(["priority:range:3,5"])).toEqual(["m2", "m4"]);
        expect(await idsOf(["created_at:range:2026-03-02,2026-03-03T23:59:59Z"])).toEqual(["m2", "m3"]);
        expect(await idsOf(["provider_message_id:is_null"])).toEqual(["m1", "m2", "m3"]);
        expect(await idsOf(["provider_message_id:is_not_null"])).toEqual(["m4"]);
      });

      it("ANDs several filters", async () => {
        expect(await idsOf(["message_body:icontains:hello", "direction:eq:outbound", "priority:ge:2"])).toEqual(["m2"]);
      });

      it("never crosses accounts, even when filtering on account_id", async () => {
        expect(await idsOf([`account_id:eq:${FB}`])).toEqual([]);
        const fromB = await list([`account_id:eq:${FA}`], {}, scopeFB);
        expect(fromB.items).toEqual([]);
        expect((await list(["message_body:icontains:hello"], {}, scopeFB)).items.map((m) => made[m.id])).toEqual([
          "b1",
        ]);
        // A caller with both accounts sees both.
        expect((await list(["message_body:icontains:hello"], {}, { accountIds: [FA, FB] })).total).toBe(4);
      });

      it("sorts by allowed fields with a stable tie-breaker, pages with skip/limit, counts up to a cap", async () => {
        const sorted = await list([], { sort: parseSort(["priority:desc"], messagesResource.sorts) });
        expect(sorted.items.map((m) => made[m.id])).toEqual(["m3", "m2", "m4", "m1"]);
        const asc = await list([], { sort: parseSort(["created_at:asc"], messagesResource.sorts), skip: 1, limit: 2 });
        expect(asc.items.map((m) => made[m.id])).toEqual(["m2", "m3"]);
        expect(asc.total).toBe(4);
        const capped = await listResource(
          db.orm,
          messagesResource,
          scopeFA,
          { filters: [], sort: [], skip: 0, limit: 1 },
          2,
        );
        expect(capped).toMatchObject({ total: 2, totalCapped: true });
        expect(capped.items).toHaveLength(1);
      });

      it("binds hostile values as data", async () => {
        const hostile: FilterCondition[] = [parseFilter("message_body:eq:x' OR '1'='1", messagesResource.filters)];
        const res = await listResource(
          db.orm,
          messagesResource,
          scopeFA,
          { filters: hostile, sort: [], skip: 0, limit: 10 },
          100,
        );
        expect(res.total).toBe(0);
        const semi = parseFilter("delivery_address:contains:'; DROP TABLE messages; --", messagesResource.filters);
        await listResource(db.orm, messagesResource, scopeFA, { filters: [semi], sort: [], skip: 0, limit: 10 }, 100);
        expect((await list([])).total).toBe(4);
      });
    });

    describe("messages", () => {
      it("lands each row in its month's partition and finds it by id", async () => {
        const ch = await newChannel();
        const march = await createMessage(db.orm, msg(ch.id), new Date("2026-03-31T23:59:59.999Z"));
        const april = await createMessage(db.orm, msg(ch.id), new Date("2026-04-01T00:00:00Z"));
        const far = await createMessage(db.orm, msg(ch.id), new Date("2031-01-01T00:00:00Z"));
        const where = await db.withSession((s) =>
          s.query<{ id: string; part: string }>(
            "SELECT id, tableoid::regclass::text AS part FROM messages WHERE id = ANY($1::uuid[])",
            [[march.id, april.id, far.id]],
          ),
        );
        const part = Object.fromEntries(where.rows.map((r) => [r.id, r.part]));
        expect(part[march.id]).toBe("messages_2026_03");
        expect(part[april.id]).toBe("messages_2026_04");
        expect(part[far.id]).toBe("messages_default");
        expect((await getMessage(db.orm, scopeA, april.id))!.createdAt.toISOString()).toBe("2026-04-01T00:00:00.000Z");
        expect(await getMessage(db.orm, scopeB, april.id)).toBeUndefined();
        await deleteMessage(db, scopeA, far.id);
      });

      it("finds rows whose id is not a UUIDv7 too", async () => {
        const ch = await newChannel();
        const id = randomUUID();
        await db.orm.insert(messages).values({ ...msg(ch.id), id, createdAt: now });
        expect((await getMessage(db.orm, scopeA, id))!.id).toBe(id);
      });

      it("records every status change and refuses ones the lifecycle does not allow", async () => {
        const ch = await newChannel();
        const m = await createMessage(db.orm, msg(ch.id), now);
        expect(m.nextAttemptAt?.toISOString()).toBe(now.toISOString());
        const later = new Date(now.getTime() + 1000);
        const cancelled = await changeMessageStatus(db, scopeA, m.id, { to: "cancelled" }, later);
        expect(cancelled).toMatchObject({ from: "queued", row: { status: "cancelled", nextAttemptAt: null } });
        await expectAppError(changeMessageStatus(db, scopeA, m.id, { to: "queued" }, later), 409, "invalid_transition");
        expect(await changeMessageStatus(db, scopeB, m.id, { to: "cancelled" }, later)).toBeUndefined();
        const events = await listMessageEvents(db.orm, m);
        expect(events.map((e) => [e.fromStatus, e.toStatus])).toEqual([
          [null, "queued"],
          ["queued", "cancelled"],
        ]);
      });

      it("refuses to delete a message being sent", async () => {
        const ch = await newChannel();
        const m = await createMessage(db.orm, msg(ch.id), now);
        await changeMessageStatus(db, scopeA, m.id, { to: "sending" }, now);
        await expectAppError(deleteMessage(db, scopeA, m.id), 409, "invalid_state");
        expect(await deleteMessage(db, scopeB, m.id)).toBe(false);
      });
    });

    describe("group and scheduled messages", () => {
      it("group messages: edit while draft, queue, cancel; finished ones stay finished", async () => {
        const ch = await newChannel();
        const g = await createGroupMessage(
          db.orm,
          {
            accountId: A,
            channelId: ch.id,
            messageBody: "Hi {NAME}",
            status: "draft",
            contactGroupIds: [],
            totalRecipients: 0,
          },
          now,
        );
        expect((await updateGroupMessage(db, scopeA, g.id, { name: "spring" }, now))!.name).toBe("spring");
        const queued = await transitionGroupMessage(db, scopeA, g.id, "queued", now);
        expect(queued).toMatchObject({ from: "draft", row: { status: "queued" } });
        expect(queued!.row.queuedAt).toEqual(now);
        await expectAppError(updateGroupMessage(db, scopeA, g.id, { name: "late" }, now), 409, "invalid_state");
        await transitionGroupMessage(db, scopeA, g.id, "processing", now);
        await transitionGroupMessage(db, scopeA, g.id, "completed", now);
        await expectAppError(transitionGroupMessage(db, scopeA, g.id, "queued", now), 409, "invalid_transition");
        await expectAppError(transitionGroupMessage(db, scopeA, g.id, "cancelled", now), 409, "invalid_transition");
        for (const from of ["draft", "queued", "processing"] as const) {
          const x = await createGroupMessage(
            db.orm,
            {
              accountId: A,
              channelId: ch.id,
              messageBody: "x",
              status: "draft",
              contactGroupIds: [],
              totalRecipients: 0,
            },
            now,
          );
          if (from !== "draft") await transitionGroupMessage(db, scopeA, x.id, "queued", now);
          if (from === "processing") await transitionGroupMessage(db, scopeA, x.id, "processing", now);
          expect((await transitionGroupMessage(db, scopeA, x.id, "cancelled", now))!.row.status).toBe("cancelled");
        }
        expect(await transitionGroupMessage(db, scopeB, g.id, "cancelled", now)).toBeUndefined();
      });

      it("scheduled messages: pause, resume, cancel; edits only while pending or paused", async () => {
        const ch = await newChannel();
        const s = await createScheduledMessage(
          db.orm,
          {
            accountId: A,
            channelId: ch.id,
            messageBody: "tick",
            sendType: "single",
            deliveryAddress: "1",
            scheduledAt: new Date("2026-04-01T09:00:00Z"),
            isRecurring: true,
            recurrenceRule: "daily",
          },
          now,
        );
        expect(s.nextTriggerAt?.toISOString()).toBe("2026-04-01T09:00:00.000Z");
        expect((await transitionScheduledMessage(db, scopeA, s.id, "paused", now))!.row.status).toBe("paused");
        const moved = await updateScheduledMessage(
          db,
          scopeA,
          s.id,
          { scheduledAt: new Date("2026-05-01T09:00:00Z") },
          now,
        );
        expect(moved!.nextTriggerAt?.toISOString()).toBe("2026-05-01T09:00:00.000Z");
        expect((await transitionScheduledMessage(db, scopeA, s.id, "pending", now))!.from).toBe("paused");
        expect((await transitionScheduledMessage(db, scopeA, s.id, "cancelled", now))!.row.status).toBe("cancelled");
        await expectAppError(transitionScheduledMessage(db, scopeA, s.id, "pending", now), 409, "invalid_transition");
        await expectAppError(updateScheduledMessage(db, scopeA, s.id, { name: "x" }, now), 409, "invalid_state");
      });
      it("recurring schedules: concurrent creates never pass the account's cap", async () => {
        const account = randomUUID();
        const ch = await newChannel(account);
        const recurring = (i: number) => ({
          accountId: account,
          channelId: ch.id,
          messageBody: `tick ${i}`,
          sendType: "single" as const,
          deliveryAddress: "1",
          scheduledAt: new Date("2026-04-01T09:00:00Z"),
          isRecurring: true,
          recurrenceRule: "daily",
        });
        const cap = 3;
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => createScheduledWithinCap(db, recurring(i), now, cap)),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(cap);
        for (const r of results.filter((r) => r.status === "rejected"))
          expect(r.reason).toMatchObject({ status: 400, code: "too_many_schedules" });
        // A one-off schedule is not counted against the cap.
        await createScheduledWithinCap(
          db,
          { ...recurring(99), isRecurring: false, recurrenceRule: undefined },
          now,
          cap,
        );
      });
    });

    describe("contacts and groups", () => {
      it("imports batches into a group in one transaction and keeps member_count right", async () => {
        const g = await createContactGroup(db.orm, A, { name: `g-${randomUUID()}` }, now);
        async function* batches() {
          for (let b = 0; b < 5; b++)
            yield Array.from({ length: 1000 }, (_, i) => ({
              name: `c${b}-${i}`,
              phone: `+2519${String(b * 1000 + i).padStart(8, "0")}`,
            }));
        }
        const res = await importContactsIntoGroup(db, scopeA, g.id, batches(), now);
        expect(res).toMatchObject({ imported: 5000, group: { memberCount: 5000 } });
        const members = await listResource(
          db.orm,
          contactsResource,
          scopeA,
          { filters: [parseFilter(`group_id:eq:${g.id}`, contactsResource.filters)], sort: [], skip: 0, limit: 1 },
          100_000,
        );
        expect(members.total).toBe(5000);
        expect(await importContactsIntoGroup(db, scopeB, g.id, batches(), now)).toBeUndefined();
      });

      it("a failing import leaves nothing behind", async () => {
        const g = await createContactGroup(db.orm, A, { name: `g-${randomUUID()}` }, now);
        async function* broken() {
          yield [{ name: "first" }];
          throw new Error("stream broke");
        }
        await expect(importContactsIntoGroup(db, scopeA, g.id, broken(), now)).rejects.toThrow("stream broke");
        expect((await getScoped(db.orm, schema.contactGroups, scopeA, g.id))!.memberCount).toBe(0);
        const firsts = await listResource(
          db.orm,
          contactsResource,
          scopeA,
          { filters: [parseFilter("name:eq:first", contactsResource.filters)], sort: [], skip: 0, limit: 1 },
          10,
        );
        expect(firsts.total).toBe(0);
      });

      it("links only the group's own account's contacts", async () => {
        const g = await createContactGroup(db.orm, A, { name: `g-${randomUUID()}` }, now);
        const mine = await createContact(db.orm, A, { name: "mine" }, now);
        const theirs = await createContact(db.orm, B, { name: "theirs" }, now);
        const res = await addGroupMembers(db, scopeA, g.id, [mine.id, theirs.id], now);
        expect(res).toMatchObject({ added: 1, unknown: [theirs.id], group: { memberCount: 1 } });
        expect((await addGroupMembers(db, scopeA, g.id, [mine.id], now))!.added).toBe(0);
        expect(await removeGroupMember(db, scopeA, g.id, mine.id, now)).toBe(true);
        expect((await getScoped(db.orm, schema.contactGroups, scopeA, g.id))!.memberCount).toBe(0);
        expect(await addGroupMembers(db, scopeB, g.id, [theirs.id], now)).toBeUndefined();
      });

      it("scoped update and delete do not touch other accounts' rows", async () => {
        const c = await createContact(db.orm, A, { name: "keep" }, now);
        expect(await updateScoped(db.orm, schema.contacts, scopeB, c.id, { name: "x" })).toBeUndefined();
        expect(await deleteScoped(db.orm, schema.contacts, scopeB, c.id)).toBe(false);
        expect((await getScoped(db.orm, schema.contacts, scopeA, c.id))!.name).toBe("keep");
      });
    });

    describe("idempotency", () => {
      const claim = (k: string, body: unknown, at = now) => ({
        accountId: A,
        scope: "POST /v1/messages",
        key: k,
        requestHash: requestHash(body),
        now: at,
        ttlMs: 86_400_000,
      });

      it("runs once per key, replays the stored response, refuses another body", async () => {
        let runs = 0;
        const create = async () => ({ status: 201, body: { run: ++runs } });
        const k = randomUUID();
        expect(await withIdempotency(db, claim(k, { a: 1, b: 2 }), create)).toEqual({
          status: 201,
          body: { run: 1 },
          replayed: false,
        });
        expect(await withIdempotency(db, claim(k, { b: 2, a: 1 }), create)).toEqual({
          status: 201,
          body: { run: 1 },
          replayed: true,
        });
        await expectAppError(withIdempotency(db, claim(k, { a: 2 }), create), 409, "idempotency_key_reused");
        // Same key in another account is another key.
        expect((await withIdempotency(db, { ...claim(k, { a: 1 }), accountId: B }, create)).replayed).toBe(false);
        expect(runs).toBe(2);
      });

      it("concurrent requests with one key create one row", async () => {
        const k = randomUUID();
        let runs = 0;
        const create = async (tx: Database["orm"]) => {
          runs++;
          await tx.execute(sql`SELECT pg_sleep(0.05)`);
          return { status: 201, body: { ok: true } };
        };
        const results = await Promise.all(
          Array.from({ length: 5 }, () => withIdempotency(db, claim(k, { x: 1 }), create)),
        );
        expect(runs).toBe(1);
        expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      });

      it("a failed first attempt leaves the key free; an expired key starts over", async () => {
        const k = randomUUID();
        await expect(withIdempotency(db, claim(k, {}), async () => Promise.reject(new Error("boom")))).rejects.toThrow(
          "boom",
        );
        expect((await withIdempotency(db, claim(k, {}), async () => ({ status: 201, body: 1 }))).replayed).toBe(false);
        const later = new Date(now.getTime() + 86_400_001);
        expect(
          await withIdempotency(db, claim(k, { other: true }, later), async () => ({ status: 201, body: 2 })),
        ).toMatchObject({ body: 2, replayed: false });
      });
    });

    describe("API keys and rate-limit windows", () => {
      it("finds an active key by its full value only", async () => {
        const { row, key } = await createApiKey(db.orm, A, "server", "manager", now);
        expect((await findApiKey(db.orm, key, now))!.id).toBe(row.id);
        expect(await findApiKey(db.orm, `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`, now)).toBeUndefined();
        expect(await findApiKey(db.orm, "tmk_nothex_x", now)).toBeUndefined();
        expect(await revokeApiKey(db.orm, scopeB, row.id, now)).toBeUndefined();
        expect((await revokeApiKey(db.orm, scopeA, row.id, now))!.revokedAt).toEqual(now);
        expect(await findApiKey(db.orm, key, now)).toBeUndefined();
      });

      it("counts hits per bucket and window, shared through the table", async () => {
        const bucket = `acct:${randomUUID()}`;
        const t0 = new Date("2026-03-10T12:00:10Z");
        for (let i = 0; i < 3; i++) await hitRateLimit(db.orm, bucket, t0, 60_000);
        const next = await hitRateLimit(db.orm, bucket, new Date("2026-03-10T12:01:30Z"), 60_000);
        expect(next).toMatchObject({ current: 1, previous: 3 });
        expect(decide(next, new Date("2026-03-10T12:01:30Z"), 60_000, 2)).toMatchObject({
          allowed: false,
          remaining: 0,
        });
        expect(decide(next, new Date("2026-03-10T12:01:30Z"), 60_000, 3)).toMatchObject({
          allowed: true,
          remaining: 0,
        });
      });
    });

    describe("partition maintenance", () => {
      it("creates months ahead, moves stranded rows out of the default partition, detaches expired months", async () => {
        const ch = await newChannel();
        // Before maintenance knows about 2031, a row for it lands in the default partition.
        const stranded = await createMessage(db.orm, msg(ch.id), new Date("2031-06-15T10:00:00Z"));
        const report = await maintainPartitions(db, {
          now: new Date("2031-05-20T00:00:00Z"),
          monthsAhead: 3,
          retentionMonths: 12,
        });
        expect(report.created.filter((n) => n.startsWith("messages_"))).toEqual([
          "messages_2031_05",
          "messages_2031_06",
          "messages_2031_07",
          "messages_2031_08",
        ]);
        // The message's first status event was stranded with it and moves too.
        expect(report.moved).toEqual({ messages_2031_06: 1, message_events_2031_06: 1 });
        // Every 2026 month ended before 2030-05-01 (twelve months back): detached.
        expect(report.detached).toEqual(
          expect.arrayContaining(["messages_2026_03", "messages_2026_04", "message_events_2026_03"]),
        );
        const parts = await db.withSession((s) => listPartitions(s, "messages"));
        expect(parts).not.toContain("messages_2026_03");
        expect(parts).toContain("messages_2031_08");
        const where = await db.withSession((s) =>
          s.query<{ part: string }>("SELECT tableoid::regclass::text AS part FROM messages WHERE id = $1", [
            stranded.id,
          ]),
        );
        expect(where.rows[0]!.part).toBe("messages_2031_06");
        // Detached tables are kept for export, unless asked to drop.
        const kept = await db.withSession((s) => s.query("SELECT 1 FROM pg_class WHERE relname = 'messages_2026_03'"));
        expect(kept.rows).toHaveLength(1);
        expect(await getMessage(db.orm, scopeA, stranded.id)).toBeDefined();
        // Idempotent: a second run changes nothing.
        expect(await maintainPartitions(db, { now: new Date("2031-05-20T00:00:00Z") })).toEqual({
          created: [],
          moved: {},
          detached: [],
          dropped: [],
        });
        const dropped = await maintainPartitions(db, {
          now: new Date("2032-09-01T00:00:00Z"),
          retentionMonths: 12,
          dropDetached: true,
        });
        expect(dropped.dropped).toEqual(expect.arrayContaining(["messages_2031_05"]));
      });

      it("runs on a timer from environment settings, and stops", async () => {
        const opts = maintenanceOptionsFromEnv({
          PARTITION_MONTHS_AHEAD: "1",
          MESSAGE_RETENTION_MONTHS: "120",
          MAINTENANCE_INTERVAL_MINUTES: "5",
          // 0: this suite's conversations stay open whatever the clock says.
          CONVERSATION_IDLE_CLOSE_HOURS: "0",
        });
        expect(opts).toEqual({
          monthsAhead: 1,
          retentionMonths: 120,
          dropDetached: false,
          intervalMs: 300_000,
          conversationIdleMs: 0,
        });
        expect(maintenanceOptionsFromEnv({}).conversationIdleMs).toBe(72 * 3_600_000);
        const m = startMaintenance(db, {
          ...opts,
          log: createLogger("t", { level: "silent" }),
          clock: () => new Date("2035-02-10T00:00:00Z"),
        });
        await m.done;
        m.stop();
        const parts = await db.withSession((s) => listPartitions(s, "messages"));
        expect(parts).toEqual(expect.arrayContaining(["messages_2035_02", "messages_2035_03"]));
        expect(() => maintenanceOptionsFromEnv({ MESSAGE_RETENTION_MONTHS: "0" })).toThrow();
      });

      it("purges expired idempotency keys and old rate windows", async () => {
        const far = new Date("2040-01-01T00:00:00Z");
        await withIdempotency(
          db,
          { accountId: A, scope: "s", key: uuidv7(), requestHash: requestHash(1), now, ttlMs: 1000 },
          async () => ({ status: 201, body: {} }),
        );
        await hitRateLimit(db.orm, "acct:purge", now, 60_000);
        const report = await runMaintenance(db, far, { monthsAhead: 0, retentionMonths: 240 });
        expect(report.idempotencyKeysPurged).toBeGreaterThanOrEqual(1);
        expect(report.rateWindowsPurged).toBeGreaterThanOrEqual(1);
      });
    });
  });
}
