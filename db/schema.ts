/**
 * Drizzle's view of the tables created by db/migrations (the SQL there is the source of truth for
 * DDL: partitioning, partial indexes and CHECKs are written by hand). A test compares these
 * column lists with the live catalog so the two cannot drift apart.
 */

import {
  bigint,
  boolean,
  char,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import type { ChannelOptions } from "../core/messages/channel-options.js";
import type { MediaFallback } from "../core/media/link-fallback.js";
import type { EmailParts, WhatsAppMapping } from "../core/content/template-parts.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const stamps = {
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
};
type Json = Record<string, unknown>;

export interface FailoverAttempt {
  channel_id: string;
  error_code: string | null;
  at: string;
}

export const channels = pgTable("channels", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }).notNull(),
  channelType: varchar("channel_type", { length: 50 }).notNull(),
  provider: varchar("provider", { length: 50 }).notNull().default("default"),
  status: varchar("status", { length: 50 }).notNull().default("active"),
  statusReason: text("status_reason"),
  isEnabled: boolean("is_enabled").notNull().default(true),
  credentialsCiphertext: text("credentials_ciphertext").notNull(),
  credentialsKeyId: varchar("credentials_key_id", { length: 64 }).notNull(),
  credentialFields: jsonb("credential_fields").$type<string[]>().notNull().default([]),
  webhookSecretCiphertext: text("webhook_secret_ciphertext").notNull(),
  senderName: varchar("sender_name", { length: 255 }),
  rateLimit: integer("rate_limit").notNull().default(60),
  burst: integer("burst"),
  priority: integer("priority").notNull().default(0),
  retryConfig: jsonb("retry_config").$type<Json>().notNull().default({}),
  metadata: jsonb("metadata").$type<Json>().notNull().default({}),
  /** Attachments on a provider that sends no media: 'refuse' or 'link' (migration 0081). */
  mediaFallback: varchar("media_fallback", { length: 8 }).$type<MediaFallback>().notNull().default("refuse"),
  ...stamps,
});

export const templates = pgTable("templates", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }).notNull(),
  body: text("body").notNull(),
  category: varchar("category", { length: 100 }),
  variables: jsonb("variables").$type<string[]>().notNull().default([]),
  defaultValues: jsonb("default_values").$type<Record<string, string>>().notNull().default({}),
  fallbackStrategy: varchar("fallback_strategy", { length: 50 }).notNull().default("keep"),
  isActive: boolean("is_active").notNull().default(true),
  // Channel parts (migration 0045): core/content/template-parts.ts.
  emailParts: jsonb("email_parts").$type<EmailParts>(),
  whatsappTemplate: jsonb("whatsapp_template").$type<WhatsAppMapping>(),
  ...stamps,
});

export const contacts = pgTable("contacts", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }),
  email: varchar("email", { length: 255 }),
  phone: varchar("phone", { length: 32 }),
  metadata: jsonb("metadata").$type<Json>().notNull().default({}),
  ...stamps,
});

export const contactGroups = pgTable("contact_groups", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }).notNull(),
  description: text("description"),
  memberCount: integer("member_count").notNull().default(0),
  ...stamps,
});

export const contactGroupMembers = pgTable(
  "contact_group_members",
  {
    groupId: uuid("group_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    accountId: uuid("account_id").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.contactId] })],
);

export const groupMessages = pgTable("group_messages", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }),
  channelId: uuid("channel_id").notNull(),
  templateId: uuid("template_id"),
  messageBody: text("message_body"),
  status: varchar("status", { length: 50 }).notNull().default("draft"),
  contactGroupIds: jsonb("contact_group_ids").$type<string[]>().notNull().default([]),
  totalRecipients: integer("total_recipients").notNull().default(0),
  sentCount: integer("sent_count").notNull().default(0),
  deliveredCount: integer("delivered_count").notNull().default(0),
  failedCount: integer("failed_count").notNull().default(0),
  skippedCount: integer("skipped_count").notNull().default(0),
  // Campaign progress (migration 0020): see db/campaigns/counter-fold.ts.
  queuedCount: integer("queued_count").notNull().default(0),
  readCount: integer("read_count").notNull().default(0),
  cancelledCount: integer("cancelled_count").notNull().default(0),
  skippedReasons: jsonb("skipped_reasons").$type<Record<string, number>>().notNull().default({}),
  failureReason: text("failure_reason"),
  scheduledMessageId: uuid("scheduled_message_id"),
  scheduledFor: ts("scheduled_for"),
  customValues: jsonb("custom_values").$type<Record<string, string>>().notNull().default({}),
  metadata: jsonb("metadata").$type<Json>().notNull().default({}),
  channelOptions: jsonb("channel_options").$type<ChannelOptions>().notNull().default({}),
  queuedAt: ts("queued_at"),
  startedAt: ts("started_at"),
  completedAt: ts("completed_at"),
  ...stamps,
});

export const scheduledMessages = pgTable("scheduled_messages", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }),
  channelId: uuid("channel_id").notNull(),
  templateId: uuid("template_id"),
  messageBody: text("message_body"),
  sendType: varchar("send_type", { length: 50 }).notNull(),
  status: varchar("status", { length: 50 }).notNull().default("pending"),
  deliveryAddress: varchar("delivery_address", { length: 255 }),
  contactId: uuid("contact_id"),
  contactGroupIds: jsonb("contact_group_ids").$type<string[]>().notNull().default([]),
  customValues: jsonb("custom_values").$type<Record<string, string>>().notNull().default({}),
  scheduledAt: ts("scheduled_at").notNull(),
  timezone: varchar("timezone", { length: 64 }).notNull().default("UTC"),
  isRecurring: boolean("is_recurring").notNull().default(false),
  recurrenceRule: varchar("recurrence_rule", { length: 255 }),
  recurrenceEndAt: ts("recurrence_end_at"),
  recurrenceMaxCount: integer("recurrence_max_count"),
  nextTriggerAt: ts("next_trigger_at"),
  lastTriggeredAt: ts("last_triggered_at"),
  triggerCount: integer("trigger_count").notNull().default(0),
  metadata: jsonb("metadata").$type<Json>().notNull().default({}),
  channelOptions: jsonb("channel_options").$type<ChannelOptions>().notNull().default({}),
  ...stamps,
});

export const conversations = pgTable("conversations", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  channelId: uuid("channel_id").notNull(),
  channelType: varchar("channel_type", { length: 50 }).notNull(),
  participantFrom: varchar("participant_from", { length: 255 }).notNull(),
  participantTo: varchar("participant_to", { length: 255 }).notNull(),
  contactId: uuid("contact_id"),
  status: varchar("status", { length: 50 }).notNull().default("open"),
  lastMessageAt: ts("last_message_at"),
  lastInboundAt: ts("last_inbound_at"),
  assignee: varchar("assignee", { length: 255 }),
  unreadCount: integer("unread_count").notNull().default(0),
  lastReadAt: ts("last_read_at"),
  metadata: jsonb("metadata").$type<Json>().notNull().default({}),
  ...stamps,
});

export const messages = pgTable(
  "messages",
  {
    id: uuid("id").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    accountId: uuid("account_id").notNull(),
    channelId: uuid("channel_id"),
    channelType: varchar("channel_type", { length: 50 }),
    contactId: uuid("contact_id"),
    conversationId: uuid("conversation_id"),
    groupMessageId: uuid("group_message_id"),
    scheduledMessageId: uuid("scheduled_message_id"),
    templateId: uuid("template_id"),
    direction: varchar("direction", { length: 20 }).notNull().default("outbound"),
    status: varchar("status", { length: 50 }).notNull(),
    priority: smallint("priority").notNull().default(0),
    deliveryAddress: varchar("delivery_address", { length: 255 }).notNull(),
    messageBody: text("message_body").notNull(),
    metadata: jsonb("metadata").$type<Json>().notNull().default({}),
    encoding: varchar("encoding", { length: 10 }),
    segments: smallint("segments"),
    providerMessageId: varchar("provider_message_id", { length: 255 }),
    errorCode: varchar("error_code", { length: 100 }),
    errorMessage: text("error_message"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at"),
    sentAt: ts("sent_at"),
    deliveredAt: ts("delivered_at"),
    readAt: ts("read_at"),
    failedAt: ts("failed_at"),
    failover: jsonb("failover").$type<FailoverAttempt[]>(),
    traceId: varchar("trace_id", { length: 64 }),
    channelOptions: jsonb("channel_options").$type<ChannelOptions>().notNull().default({}),
    replyToMessageId: uuid("reply_to_message_id"),
    replyToProviderMessageId: varchar("reply_to_provider_message_id", { length: 255 }),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
);

export const messageEvents = pgTable(
  "message_events",
  {
    id: uuid("id").notNull(),
    createdAt: ts("created_at").notNull(),
    messageId: uuid("message_id").notNull(),
    messageCreatedAt: ts("message_created_at").notNull(),
    accountId: uuid("account_id").notNull(),
    eventType: varchar("event_type", { length: 50 }).notNull(),
    fromStatus: varchar("from_status", { length: 50 }),
    toStatus: varchar("to_status", { length: 50 }),
    providerTimestamp: ts("provider_timestamp"),
    providerPayloadRef: text("provider_payload_ref"),
    eventData: jsonb("event_data").$type<Json>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
);

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    accountId: uuid("account_id").notNull(),
    scope: varchar("scope", { length: 100 }).notNull(),
    key: varchar("key", { length: 255 }).notNull(),
    requestHash: char("request_hash", { length: 64 }).notNull(),
    statusCode: integer("status_code").notNull(),
    response: jsonb("response").$type<unknown>().notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.scope, t.key] })],
);

export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  name: varchar("name", { length: 255 }).notNull(),
  prefix: varchar("prefix", { length: 32 }).notNull(),
  keyHash: char("key_hash", { length: 64 }).notNull(),
  role: varchar("role", { length: 20 }).notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  lastUsedAt: ts("last_used_at"),
  revokedAt: ts("revoked_at"),
});

export const apiRateLimits = pgTable(
  "api_rate_limits",
  {
    bucket: varchar("bucket", { length: 255 }).notNull(),
    windowStart: ts("window_start").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
);

export const media = pgTable("media", {
  id: uuid("id").primaryKey(),
  accountId: uuid("account_id").notNull(),
  contentType: varchar("content_type", { length: 127 }).notNull(),
  sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
  sha256: char("sha256", { length: 64 }).notNull(),
  chunkCount: integer("chunk_count").notNull(),
  chunkBytes: integer("chunk_bytes").notNull(),
  filename: varchar("filename", { length: 255 }),
  source: varchar("source", { length: 16 }).notNull().default("upload"),
  createdAt: ts("created_at").notNull().defaultNow(),
  expiresAt: ts("expires_at").notNull(),
});
/**
 * Suppressions (opt-outs, provider blocks, bounces, complaints, the account's own): keyed by
 * (account, scope, address), which the dispatch claim and the fan-out probe; `id` names a row for the API.
 */
export const contactOptOuts = pgTable(
  "contact_opt_outs",
  {
    id: uuid("id").notNull().defaultRandom(),
    accountId: uuid("account_id").notNull(),
    channelScope: varchar("channel_scope", { length: 20 }).notNull(),
    address: varchar("address", { length: 255 }).notNull(),
    contactId: uuid("contact_id"),
    source: varchar("source", { length: 20 }).notNull(),
    reason: text("reason"),
    channelId: uuid("channel_id"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.channelScope, t.address] })],
);

export const schema = {
  channels,
  templates,
  contacts,
  contactGroups,
  contactGroupMembers,
  groupMessages,
  scheduledMessages,
  conversations,
  messages,
  messageEvents,
  idempotencyKeys,
  apiKeys,
  apiRateLimits,
  media,
  contactOptOuts,
};

export type ChannelRow = typeof channels.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type ContactGroupRow = typeof contactGroups.$inferSelect;
export type GroupMessageRow = typeof groupMessages.$inferSelect;
export type ScheduledMessageRow = typeof scheduledMessages.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type MessageEventRow = typeof messageEvents.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type MediaRow = typeof media.$inferSelect;
export type SuppressionRow = typeof contactOptOuts.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
