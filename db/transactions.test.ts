import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PagePlan } from "../core/campaign/page-plan.js";
import type { Database, Orm } from "./client.js";
import { CampaignStore } from "./campaigns/campaign-store.js";
import { createContact } from "./contacts/repository.js";
import { runMigrations } from "./migrate.js";
import { maintainPartitions } from "./partitions.js";
import { insertCampaign, insertChannel, openMigratedEmbedded } from "./testkit/embedded.js";

/**
 * The embedded driver (PGlite) is one database session shared by every caller. A transaction on
 * it must hold the other callers off until it ends: otherwise their statements run inside it, a
 * rollback throws their writes away, and an error of theirs aborts it.
 */
const A = randomUUID();
const now = new Date("2026-03-10T12:00:00Z");

const plan = (addresses: string[]): PagePlan => ({
  rows: addresses.map((address, i) => ({
    contactId: `src-${i}`,
    address,
    body: "hello",
    options: {},
    status: "queued",
    errorCode: null,
    errorMessage: null,
  })),
  skipped: {},
});

describe("transactions on the embedded driver, beside other callers", () => {
  let db: Database;
  let store: CampaignStore;
  let channelId: string;

  beforeAll(async () => {
    db = await openMigratedEmbedded();
    store = new CampaignStore(db, () => undefined);
    channelId = await insertChannel(db, A);
  });
  afterAll(() => db.close());

  async function processingCampaign() {
    const id = await insertCampaign(db, A, channelId, now);
    await store.startProcessing(id, now);
    return (await store.load(id))!;
  }

  /** API-style writes, one after the other, for as long as `during` runs; none of them may fail. */
  async function contactsWrittenDuring(
    during: Promise<unknown>,
    tag: string,
  ): Promise<{ written: string[]; failed: unknown[] }> {
    let running = true;
    void during.finally(() => (running = false)).catch(() => undefined);
    const written: string[] = [];
    const failed: unknown[] = [];
    for (let i = 0; running || i < 3; i++) {
      await createContact(db.orm, A, { name: `${tag}-${i}` }, now).then(
        (row) => written.push(row.id),
        (err: unknown) => failed.push(err),
      );
    }
    return { written, failed };
  }

  const storedContacts = async (ids: string[]) =>
    (
      await db.withSession((s) =>
        s.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE id = ANY($1::uuid[])`, [ids]),
      )
    ).rows[0]!.n;

  it("a campaign page that fails and rolls back keeps the writes other callers made meanwhile", async () => {
    const c = await processingCampaign();
    // delivery_address is varchar(255): the page's INSERT fails and its transaction rolls back.
    const page = store.insertPage(
      c,
      { cursor: null, nextCursor: null, contacts: 2, plan: plan(["+251911000001", `+2519${"1".repeat(300)}`]) },
      now,
    );
    const [outcome, { written, failed }] = await Promise.all([
      page.then(
        () => "committed",
        () => "rolled back",
      ),
      contactsWrittenDuring(page, "rollback"),
    ]);
    expect(outcome).toBe("rolled back");
    expect(await storedContacts(written)).toBe(written.length);
    expect(failed).toEqual([]);
  });

  it("another caller's failing statement does not abort a campaign page in progress", async () => {
    const c = await processingCampaign();
    const taken = await createContact(db.orm, A, { name: "taken" }, now);
    const page = store.insertPage(
      c,
      { cursor: null, nextCursor: null, contacts: 3, plan: plan(["+251911000011", "+251911000012", "+251911000013"]) },
      now,
    );
    const failures: unknown[] = [];
    let running = true;
    void page.finally(() => (running = false)).catch(() => undefined);
    for (let i = 0; running || i < 3; i++) {
      // A duplicate primary key: this caller's statement fails, and only this caller should see it.
      await db
        .withSession((s) =>
          s.query(`INSERT INTO contacts (id, account_id, created_at, updated_at) VALUES ($1, $2, $3, $3)`, [
            taken.id,
            A,
            now,
          ]),
        )
        .catch((e: unknown) => failures.push(e));
    }
    await expect(page).resolves.toEqual({ ok: true, queued: 3, skipped: 0, duplicates: 0 });
    expect(failures.length).toBeGreaterThan(0);
    const rows = await db.withSession((s) =>
      s.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE group_message_id = $1`, [c.id]),
    );
    expect(rows.rows[0]!.n).toBe(3);
  });
});

describe("partition maintenance on the embedded driver, beside other callers", () => {
  it("a caller's failing statement does not abort the creation of a month's partition", async () => {
    const db = await openMigratedEmbedded();
    try {
      const A = randomUUID();
      const taken = await createContact(db.orm, A, { name: "taken" }, now);
      const work = maintainPartitions(db, {
        now: new Date("2031-01-15T00:00:00Z"),
        monthsAhead: 6,
        tables: ["messages"],
      });
      let running = true;
      void work.finally(() => (running = false)).catch(() => undefined);
      for (let i = 0; running || i < 3; i++) {
        await db
          .withSession((s) =>
            s.query(`INSERT INTO contacts (id, account_id, created_at, updated_at) VALUES ($1, $2, $3, $3)`, [
              taken.id,
              A,
              now,
            ]),
          )
          .catch(() => undefined);
      }
      const report = await work;
      expect(report.created).toEqual([
        "messages_2031_01",
        "messages_2031_02",
        "messages_2031_03",
        "messages_2031_04",
        "messages_2031_05",
        "messages_2031_06",
        "messages_2031_07",
      ]);
    } finally {
      await db.close();
    }
  });
});

describe("Database.transaction on the embedded driver", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openMigratedEmbedded();
    await db.withSession((s) => s.exec("CREATE TABLE tx_probe (k text PRIMARY KEY)"));
  });
  afterAll(() => db.close());

  const keys = async () =>
    (await db.withSession((s) => s.query<{ k: string }>("SELECT k FROM tx_probe ORDER BY k"))).rows.map((r) => r.k);

  it("commits what fn wrote when it resolves, and nothing when it throws", async () => {
    await expect(
      db.transaction(async (tx) => (await tx.query("INSERT INTO tx_probe VALUES ('kept') RETURNING k")).rows[0]),
    ).resolves.toEqual({ k: "kept" });
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_probe VALUES ('undone')");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await keys()).toEqual(["kept"]);
  });

  it("a statement error fn swallowed still rolls the transaction back and is reported", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_probe VALUES ('swallowed')");
        await tx.query("INSERT INTO tx_probe VALUES ('kept')").catch(() => undefined);
      }),
    ).rejects.toThrow();
    expect(await keys()).toEqual(["kept"]);
  });

  it("runs at the isolation level asked for", async () => {
    const level = (opts?: Parameters<Database["transaction"]>[1]) =>
      db.transaction(
        async (tx) =>
          (await tx.query<{ transaction_isolation: string }>("SHOW transaction_isolation")).rows[0]!
            .transaction_isolation,
        opts,
      );
    expect(await level()).toBe("read committed");
    expect(await level({ isolation: "serializable" })).toBe("serializable");
  });

  it("other callers wait for the transaction: their statements run after it, never inside it", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (s) => {
      await s.query("INSERT INTO tx_probe VALUES ('in-tx')");
      order.push("tx wrote");
      await gate;
      throw new Error("rolled back on purpose");
    });
    const outside = db
      .withSession((s) => s.query("INSERT INTO tx_probe VALUES ('outside')"))
      .then(() => order.push("outside wrote"));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(["tx wrote"]);
    release();
    await expect(tx).rejects.toThrow("rolled back on purpose");
    await outside;
    expect(order).toEqual(["tx wrote", "outside wrote"]);
    expect(await keys()).toEqual(["kept", "outside"]);
  });

  it("using the database instead of the transaction's session inside it fails at once instead of waiting for itself", async () => {
    await expect(db.transaction(() => db.withSession((s) => s.query("SELECT 1")))).rejects.toThrow(
      /session of the transaction/,
    );
    await expect(db.transaction(() => db.transaction((s) => s.query("SELECT 1")))).rejects.toThrow(
      /session of the transaction/,
    );
    // The guard ends with the transaction.
    await expect(db.withSession((s) => s.query("SELECT 1 AS one"))).resolves.toEqual({ rows: [{ one: 1 }] });
  });
});

describe("drizzle in Database.transaction on the embedded driver", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openMigratedEmbedded();
    await db.withSession((s) => s.exec("CREATE TABLE tx_probe (k text PRIMARY KEY)"));
  });
  afterAll(() => db.close());

  const contactsNamed = async (name: string) =>
    (
      await db.withSession((s) =>
        s.query<{ n: number }>("SELECT count(*)::int AS n FROM contacts WHERE name = $1", [name]),
      )
    ).rows[0]!.n;

  /** A transaction that signals once `write` is done and then waits for the test to let it end. */
  function heldTransaction<T>(
    write: (tx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => Promise<T>,
    end: (value: T) => T,
  ) {
    let release!: () => void;
    let wrote!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const written = new Promise<void>((r) => (wrote = r));
    const done = db.transaction(async (tx) => {
      const value = await write(tx);
      wrote();
      await gate;
      return end(value);
    });
    return { done, written, release };
  }

  it("a drizzle write in a transaction that throws is rolled back; a plain write made meanwhile outside it stays", async () => {
    const held = heldTransaction(
      (tx) => createContact(tx.orm, A, { name: "drizzle-undone" }, now),
      () => {
        throw new Error("rolled back on purpose");
      },
    );
    await held.written;
    const order: string[] = [];
    const outside = createContact(db.orm, A, { name: "plain-kept" }, now).then(() => order.push("outside wrote"));
    await new Promise((r) => setTimeout(r, 50));
    order.push("transaction ends");
    held.release();
    await expect(held.done).rejects.toThrow("rolled back on purpose");
    await outside;
    expect(order).toEqual(["transaction ends", "outside wrote"]);
    expect(await contactsNamed("drizzle-undone")).toBe(0);
    expect(await contactsNamed("plain-kept")).toBe(1);
  });

  it("a transaction that succeeds commits its drizzle and raw-SQL statements together", async () => {
    const held = heldTransaction(
      async (tx) => {
        await createContact(tx.orm, A, { name: "drizzle-committed" }, now);
        await tx.query("INSERT INTO tx_probe VALUES ($1)", ["raw-committed"]);
      },
      () => undefined,
    );
    await held.written;
    let seen: { contacts: number; probes: number } | undefined;
    const reader = db
      .withSession((s) =>
        s.query<{ contacts: number; probes: number }>(
          `SELECT (SELECT count(*) FROM contacts WHERE name = 'drizzle-committed')::int AS contacts,
                  (SELECT count(*) FROM tx_probe WHERE k = 'raw-committed')::int AS probes`,
        ),
      )
      .then(({ rows }) => (seen = rows[0]));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBeUndefined();
    held.release();
    await held.done;
    await reader;
    expect(seen).toEqual({ contacts: 1, probes: 1 });
  });

  it("drizzle and raw SQL inside one transaction run in that same transaction", async () => {
    const ids = await db.transaction(async (tx) => {
      const viaOrm = ((await tx.orm.execute("SELECT txid_current()::text AS xid")) as { rows: { xid: string }[] })
        .rows[0]!.xid;
      const viaSql = (await tx.query<{ xid: string }>("SELECT txid_current()::text AS xid")).rows[0]!.xid;
      return { viaOrm, viaSql };
    });
    expect(ids.viaOrm).toBe(ids.viaSql);
  });

  it("drizzle's own transaction() reached inside is a savepoint of the transaction, not a second transaction", async () => {
    // Orm hides transaction(); the handle underneath is drizzle's transaction object.
    const nested = (orm: Orm) => orm as unknown as { transaction<T>(fn: (inner: Orm) => Promise<T>): Promise<T> };
    await db.transaction(async (tx) => {
      await createContact(tx.orm, A, { name: "outer-kept" }, now);
      await expect(
        nested(tx.orm).transaction(async (inner) => {
          await createContact(inner, A, { name: "inner-undone" }, now);
          throw new Error("inner fails");
        }),
      ).rejects.toThrow("inner fails");
    });
    await expect(
      db.transaction(async (tx) => {
        await nested(tx.orm).transaction((inner) => createContact(inner, A, { name: "inner-released" }, now));
        throw new Error("outer fails");
      }),
    ).rejects.toThrow("outer fails");
    expect(await contactsNamed("outer-kept")).toBe(1);
    expect(await contactsNamed("inner-undone")).toBe(0);
    expect(await contactsNamed("inner-released")).toBe(0);
  });

  it("drizzle on the database itself inside a transaction fails at once instead of waiting for itself", async () => {
    // drizzle reports a failed statement with the refusal as its cause.
    const refused = await db
      .transaction(() => createContact(db.orm, A, { name: "refused" }, now))
      .catch((e: unknown) => e);
    expect((refused as Error).cause).toMatchObject({ message: expect.stringMatching(/session of the transaction/) });
    await expect(createContact(db.orm, A, { name: "after" }, now)).resolves.toMatchObject({ name: "after" });
    expect(await contactsNamed("refused")).toBe(0);
  });
});

describe("migrations on the embedded driver, beside other callers", () => {
  it("a migration that fails leaves nothing of its own and keeps the writes other callers made meanwhile", async () => {
    const db = await openMigratedEmbedded();
    const dir = await mkdtemp(join(tmpdir(), "migrations-"));
    try {
      await writeFile(join(dir, "9000_applies.sql"), "CREATE TABLE first_done (k int);\n");
      await writeFile(join(dir, "9001_fails.sql"), "CREATE TABLE half_done (k int);\nSELECT 1/0;\n");
      const written: string[] = [];
      const failed: unknown[] = [];
      let running = true;
      let writers: Promise<void> | undefined;
      // Writes start once the first migration is in (the embedded database answers in microtasks,
      // so a loop started beside the file reads would finish before the migrations begin).
      const writeWhileMigrating = async () => {
        for (let i = 0; running || i < 3; i++) {
          await createContact(db.orm, A, { name: `beside-migration-${i}` }, now).then(
            (row) => written.push(row.id),
            (err: unknown) => failed.push(err),
          );
        }
      };
      const migration = runMigrations(db, {
        dir,
        log: () => {
          writers ??= writeWhileMigrating();
        },
      });
      void migration.finally(() => (running = false)).catch(() => undefined);
      await expect(migration).rejects.toThrow(/migration 9001_fails\.sql failed/);
      await writers;
      expect(failed).toEqual([]);
      const { rows } = await db.withSession((s) =>
        s.query<{ n: number; first: string | null; half: string | null }>(
          `SELECT (SELECT count(*) FROM contacts WHERE id = ANY($1::uuid[]))::int AS n, to_regclass('first_done')::text AS first, to_regclass('half_done')::text AS half`,
          [written],
        ),
      );
      expect(rows[0]).toEqual({ n: written.length, first: "first_done", half: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await db.close();
    }
  });
});
