/**
 * Named topologies. A component set is nothing but a choice of resources paths: switching
 * broker or state store never touches code.
 */

import type { AppSpec, MediaKind, PubSubKind, StateKind } from "./stack.js";

export interface ComponentSet {
  pubsub: PubSubKind;
  state: StateKind;
  media: MediaKind;
  apps: AppSpec[];
  env: Record<string, string>;
}

const pg = process.env.DATABASE_URL ?? "postgres://turumba:turumba@127.0.0.1:5432/turumba";
const amqp = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const redis = process.env.REDIS_HOST ?? "127.0.0.1:6379";
// The S3-compatible server scripts/infra.sh starts (SeaweedFS on loopback) unless told otherwise.
const s3 = {
  TURUMBA_SECRET_MEDIA_S3_ENDPOINT: process.env.MEDIA_S3_ENDPOINT ?? "http://127.0.0.1:8333",
  TURUMBA_SECRET_MEDIA_S3_BUCKET: process.env.MEDIA_S3_BUCKET ?? "turumba-media",
  TURUMBA_SECRET_MEDIA_S3_REGION: process.env.MEDIA_S3_REGION ?? "us-east-1",
  TURUMBA_SECRET_MEDIA_S3_ACCESS_KEY: process.env.MEDIA_S3_ACCESS_KEY ?? "turumba",
  TURUMBA_SECRET_MEDIA_S3_SECRET_KEY: process.env.MEDIA_S3_SECRET_KEY ?? "turumba-media-secret",
};

export const SETS: Record<string, ComponentSet> = {
  // Nothing to install: in-memory broker and SQLite state inside one sidecar, PGlite for data.
  embedded: {
    pubsub: "in-memory",
    state: "sqlite",
    media: "local",
    apps: [{ id: "turumba", role: "all" }],
    // Local development: SMTP and SMPP channels point at the provider simulator on loopback, so
    // loopback (and only loopback) is allowed for tenant-chosen hosts. OUTBOUND_ALLOW overrides it.
    env: { OUTBOUND_ALLOW: process.env.OUTBOUND_ALLOW ?? "127.0.0.0/8,::1" },
  },
  // RabbitMQ + PostgreSQL, with the API and the dispatcher as separate apps.
  production: {
    pubsub: "rabbitmq",
    state: "postgresql",
    media: "s3",
    apps: [
      { id: "messaging-api", role: "api" },
      { id: "dispatcher", role: "dispatcher" },
    ],
    env: {
      DATABASE_URL: pg,
      TURUMBA_SECRET_AMQP_URL: amqp,
      TURUMBA_SECRET_DAPR_STATE_PG_URL: pg,
      TURUMBA_SECRET_REDIS_HOST: redis,
      ...s3,
    },
  },
};

export function componentSet(
  name: string,
  overrides: { pubsub?: PubSubKind; state?: StateKind; media?: MediaKind } = {},
): ComponentSet {
  const set = SETS[name];
  if (!set) throw new Error(`unknown component set '${name}' (${Object.keys(SETS).join(", ")})`);
  return {
    ...set,
    pubsub: overrides.pubsub ?? set.pubsub,
    state: overrides.state ?? set.state,
    media: overrides.media ?? set.media,
    // Swapping in an external broker or store brings its connection secrets along.
    env: overrides.pubsub || overrides.state || overrides.media ? { ...SETS.production!.env, ...set.env } : set.env,
  };
}
