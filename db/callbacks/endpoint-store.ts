/**
 * Tenants' callback endpoints (table webhook_endpoints, migration 0075): the REST API's CRUD and
 * what the delivery side reads. The signing secret is sealed with the credentials key ring, bound
 * to its row by the associated data, and opened only to sign or to show it once.
 */

import { randomBytes } from "node:crypto";
import type { Database, Session } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { Scope } from "../query/list.js";
import type { SecretBox } from "../secret-box.js";

export interface EndpointRow {
  id: string;
  accountId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with what signing needs. */
export interface SigningEndpoint extends EndpointRow {
  secret: string;
}

const COLUMNS = `id, account_id, url, description, event_types, enabled, disabled_reason, disabled_at, created_at, updated_at`;

const secretAad = (id: string) => `webhook_endpoint:${id}:secret`;

/** A fresh signing secret: `whsec_` and 32 random bytes. */
export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

function toRow(r: Record<string, unknown>): EndpointRow {
  const date = (v: unknown) =>
    v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string | number);
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    url: String(r.url),
    description: (r.description as string | null) ?? null,
    eventTypes: r.event_types as string[],
    enabled: Boolean(r.enabled),
    disabledReason: (r.disabled_reason as string | null) ?? null,
    disabledAt: date(r.disabled_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}

export interface EndpointChange {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
}

export class EndpointStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async create(
    accountId: string,
    fields: { url: string; description: string | null; eventTypes: string[] },
    now: Date,
  ): Promise<{ row: EndpointRow; secret: string }> {
    const id = uuidv7(now);
    const secret = newEndpointSecret();
    const sealed = this.box.seal(secret, secretAad(id));
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `INSERT INTO webhook_endpoints (id, account_id, url, description, event_types, secret_key_id, secret_ciphertext, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $8) RETURNING ${COLUMNS}`,
        [id, accountId, fields.url, fields.description, fields.eventTypes, sealed.keyId, sealed.ciphertext, now],
      ),
    );
    return { row: toRow(rows[0]!), secret };
  }

  async list(scope: Scope, limit: number, after?: string): Promise<EndpointRow[]> {
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `SELECT ${COLUMNS} FROM webhook_endpoints WHERE account_id = ANY($1::uuid[]) AND ($3::uuid IS NULL OR id > $3)
          ORDER BY id LIMIT $2`,
        [scope.accountIds, limit, after ?? null],
      ),
    );
    return rows.map(toRow);
  }

  async get(scope: Scope, id: string): Promise<EndpointRow | undefined> {
    return this.db.withSession((s) => getScoped(s, scope, id));
  }

  /** Applies a change; enabling again clears the reason the platform disabled it for. */
  async update(scope: Scope, id: string, change: EndpointChange, now: Date): Promise<EndpointRow | undefined> {
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `UPDATE webhook_endpoints SET
            url = COALESCE($3, url),
            description = CASE WHEN $4::boolean THEN $5 ELSE description END,
            event_types = COALESCE($6::text[], event_types),
            enabled = COALESCE($7, enabled),
            disabled_reason = CASE WHEN $7 IS NOT NULL THEN NULL ELSE disabled_reason END,
            disabled_at = CASE WHEN $7 = false THEN $8 WHEN $7 = true THEN NULL ELSE disabled_at END,
            updated_at = $8
          WHERE id = $1 AND account_id = ANY($2::uuid[]) RETURNING ${COLUMNS}`,
        [
          id,
          scope.accountIds,
          change.url ?? null,
          change.description !== undefined,
          change.description ?? null,
          change.eventTypes ?? null,
          change.enabled ?? null,
          now,
        ],
      ),
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async remove(scope: Scope, id: string): Promise<boolean> {
    const { rows } = await this.db.withSession((s) =>
      s.query(`DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = ANY($2::uuid[]) RETURNING id`, [
        id,
        scope.accountIds,
      ]),
    );
    return rows.length > 0;
  }

  /** Replaces the secret; the old one stops signing at once. */
  async rotateSecret(scope: Scope, id: string, now: Date): Promise<{ row: EndpointRow; secret: string } | undefined> {
    const secret = newEndpointSecret();
    const sealed = this.box.seal(secret, secretAad(id));
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `UPDATE webhook_endpoints SET secret_key_id = $3, secret_ciphertext = $4, updated_at = $5
          WHERE id = $1 AND account_id = ANY($2::uuid[]) RETURNING ${COLUMNS}`,
        [id, scope.accountIds, sealed.keyId, sealed.ciphertext, now],
      ),
    );
    return rows[0] ? { row: toRow(rows[0]), secret } : undefined;
  }

  /** The endpoint with its secret opened, for signing; undefined when it is gone. */
  async forSigning(id: string): Promise<SigningEndpoint | undefined> {
    const { rows } = await this.db.withSession((s) =>
      s.query<Record<string, unknown>>(
        `SELECT ${COLUMNS}, secret_key_id, secret_ciphertext FROM webhook_endpoints WHERE id = $1`,
        [id],
      ),
    );
    const r = rows[0];
    if (!r) return undefined;
    const secret = this.box.open(
      { keyId: String(r.secret_key_id), ciphertext: String(r.secret_ciphertext) },
      secretAad(id),
    );
    return { ...toRow(r), secret };
  }

  /**
   * The platform gives up on an endpoint: disabled with the reason the tenant will see, and its
   * pending deliveries marked failed (they are still listed and can be retried by hand).
   */
  async disable(id: string, reason: string, now: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = $3, updated_at = $3 WHERE id = $1`,
        [id, reason, now],
      );
      await tx.query(`UPDATE webhook_deliveries SET status = 'failed' WHERE endpoint_id = $1 AND status = 'pending'`, [
        id,
      ]);
    });
  }

  /** Enabled endpoints of these accounts, with the event types they take: the fan-out's routing table. */
  async subscribers(
    accountIds: readonly string[],
  ): Promise<Array<{ id: string; accountId: string; eventTypes: string[] }>> {
    if (accountIds.length === 0) return [];
    const { rows } = await this.db.withSession((s) =>
      s.query<{ id: string; account_id: string; event_types: string[] }>(
        `SELECT id, account_id, event_types FROM webhook_endpoints WHERE enabled AND account_id = ANY($1::uuid[])`,
        [accountIds],
      ),
    );
    return rows.map((r) => ({ id: String(r.id), accountId: String(r.account_id), eventTypes: r.event_types }));
  }
}

async function getScoped(s: Session, scope: Scope, id: string): Promise<EndpointRow | undefined> {
  const { rows } = await s.query<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND account_id = ANY($2::uuid[])`,
    [id, scope.accountIds],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}
