/**
 * Per-resource allow-lists for the filter/sort grammar, in strict mode: a field absent here cannot
 * be filtered or sorted on, whatever the client sends.
 */

import { inArray, sql } from "drizzle-orm";
import { CHANNEL_TYPES } from "../../core/messages/vocabulary.js";
import { INT16, type FieldSpec, type FilterOp, type FilterValue } from "../../db/query/filters.js";
import type { ResourceSpec } from "../../db/query/list.js";
import * as t from "../../db/schema.js";
import {
  CHANNEL_STATUSES,
  FALLBACK_STRATEGIES,
  GROUP_MESSAGE_STATUSES,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  SCHEDULED_MESSAGE_STATUSES,
  SEND_TYPES,
} from "../../core/messages/lifecycle.js";
import { providerNames } from "../../adapters/registry.js";
import {
  SUPPRESSION_REASONS,
  SUPPRESSION_SCOPES,
  reasonOfSource,
  type SuppressionReason,
  type SuppressionSource,
} from "../../core/messages/suppressions.js";

const uuidF = (column: FieldSpec["column"]): FieldSpec => ({ type: "uuid", column });
const str = (column: FieldSpec["column"]): FieldSpec => ({ type: "string", column });
const tsF = (column: FieldSpec["column"]): FieldSpec => ({ type: "timestamp", column });
const int = (column: FieldSpec["column"], bounds?: { min: number; max: number }): FieldSpec => ({
  type: "int",
  column,
  ...bounds,
});
const bool = (column: FieldSpec["column"]): FieldSpec => ({ type: "bool", column });
const oneOf = (column: FieldSpec["column"], values: readonly string[]): FieldSpec => ({ type: "enum", column, values });

export const channelsResource: ResourceSpec<typeof t.channels> = {
  table: t.channels,
  filters: {
    id: uuidF(t.channels.id),
    account_id: uuidF(t.channels.accountId),
    name: str(t.channels.name),
    channel_type: oneOf(t.channels.channelType, CHANNEL_TYPES),
    provider: oneOf(t.channels.provider, providerNames()),
    status: oneOf(t.channels.status, CHANNEL_STATUSES),
    is_enabled: bool(t.channels.isEnabled),
    sender_name: str(t.channels.senderName),
    rate_limit: int(t.channels.rateLimit),
    priority: int(t.channels.priority),
    created_at: tsF(t.channels.createdAt),
    updated_at: tsF(t.channels.updatedAt),
  },
  sorts: {
    name: t.channels.name,
    channel_type: t.channels.channelType,
    status: t.channels.status,
    priority: t.channels.priority,
    rate_limit: t.channels.rateLimit,
    created_at: t.channels.createdAt,
    updated_at: t.channels.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const messagesResource: ResourceSpec<typeof t.messages> = {
  table: t.messages,
  filters: {
    id: uuidF(t.messages.id),
    account_id: uuidF(t.messages.accountId),
    channel_id: uuidF(t.messages.channelId),
    channel_type: oneOf(t.messages.channelType, CHANNEL_TYPES),
    contact_id: uuidF(t.messages.contactId),
    conversation_id: uuidF(t.messages.conversationId),
    group_message_id: uuidF(t.messages.groupMessageId),
    scheduled_message_id: uuidF(t.messages.scheduledMessageId),
    template_id: uuidF(t.messages.templateId),
    direction: oneOf(t.messages.direction, MESSAGE_DIRECTIONS),
    status: oneOf(t.messages.status, MESSAGE_STATUSES),
    priority: int(t.messages.priority, INT16),
    delivery_address: str(t.messages.deliveryAddress),
    message_body: str(t.messages.messageBody),
    provider_message_id: str(t.messages.providerMessageId),
    error_code: str(t.messages.errorCode),
    encoding: oneOf(t.messages.encoding, ["gsm7", "ucs2"]),
    segments: int(t.messages.segments, INT16),
    attempts: int(t.messages.attempts),
    trace_id: str(t.messages.traceId),
    created_at: tsF(t.messages.createdAt),
    updated_at: tsF(t.messages.updatedAt),
    next_attempt_at: tsF(t.messages.nextAttemptAt),
    sent_at: tsF(t.messages.sentAt),
    delivered_at: tsF(t.messages.deliveredAt),
  },
  sorts: {
    created_at: t.messages.createdAt,
    updated_at: t.messages.updatedAt,
    status: t.messages.status,
    priority: t.messages.priority,
    sent_at: t.messages.sentAt,
    delivered_at: t.messages.deliveredAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const templatesResource: ResourceSpec<typeof t.templates> = {
  table: t.templates,
  filters: {
    id: uuidF(t.templates.id),
    account_id: uuidF(t.templates.accountId),
    name: str(t.templates.name),
    body: str(t.templates.body),
    category: str(t.templates.category),
    fallback_strategy: oneOf(t.templates.fallbackStrategy, FALLBACK_STRATEGIES),
    is_active: bool(t.templates.isActive),
    created_at: tsF(t.templates.createdAt),
    updated_at: tsF(t.templates.updatedAt),
  },
  sorts: {
    name: t.templates.name,
    category: t.templates.category,
    created_at: t.templates.createdAt,
    updated_at: t.templates.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const groupMessagesResource: ResourceSpec<typeof t.groupMessages> = {
  table: t.groupMessages,
  filters: {
    id: uuidF(t.groupMessages.id),
    account_id: uuidF(t.groupMessages.accountId),
    name: str(t.groupMessages.name),
    channel_id: uuidF(t.groupMessages.channelId),
    template_id: uuidF(t.groupMessages.templateId),
    status: oneOf(t.groupMessages.status, GROUP_MESSAGE_STATUSES),
    total_recipients: int(t.groupMessages.totalRecipients),
    sent_count: int(t.groupMessages.sentCount),
    delivered_count: int(t.groupMessages.deliveredCount),
    failed_count: int(t.groupMessages.failedCount),
    queued_at: tsF(t.groupMessages.queuedAt),
    completed_at: tsF(t.groupMessages.completedAt),
    created_at: tsF(t.groupMessages.createdAt),
    updated_at: tsF(t.groupMessages.updatedAt),
  },
  sorts: {
    name: t.groupMessages.name,
    status: t.groupMessages.status,
    total_recipients: t.groupMessages.totalRecipients,
    created_at: t.groupMessages.createdAt,
    updated_at: t.groupMessages.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const scheduledMessagesResource: ResourceSpec<typeof t.scheduledMessages> = {
  table: t.scheduledMessages,
  filters: {
    id: uuidF(t.scheduledMessages.id),
    account_id: uuidF(t.scheduledMessages.accountId),
    name: str(t.scheduledMessages.name),
    channel_id: uuidF(t.scheduledMessages.channelId),
    template_id: uuidF(t.scheduledMessages.templateId),
    contact_id: uuidF(t.scheduledMessages.contactId),
    send_type: oneOf(t.scheduledMessages.sendType, SEND_TYPES),
    status: oneOf(t.scheduledMessages.status, SCHEDULED_MESSAGE_STATUSES),
    is_recurring: bool(t.scheduledMessages.isRecurring),
    delivery_address: str(t.scheduledMessages.deliveryAddress),
    trigger_count: int(t.scheduledMessages.triggerCount),
    scheduled_at: tsF(t.scheduledMessages.scheduledAt),
    next_trigger_at: tsF(t.scheduledMessages.nextTriggerAt),
    created_at: tsF(t.scheduledMessages.createdAt),
    updated_at: tsF(t.scheduledMessages.updatedAt),
  },
  sorts: {
    name: t.scheduledMessages.name,
    status: t.scheduledMessages.status,
    scheduled_at: t.scheduledMessages.scheduledAt,
    next_trigger_at: t.scheduledMessages.nextTriggerAt,
    created_at: t.scheduledMessages.createdAt,
    updated_at: t.scheduledMessages.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

/** `group_id:eq|in` on contacts: membership, answered from the membership table (the fan-out's own query). */
function groupMembership(op: FilterOp, value: FilterValue): ReturnType<typeof sql> {
  const ids = (Array.isArray(value) ? value : [value]) as string[];
  const members = sql`SELECT ${t.contactGroupMembers.contactId} FROM ${t.contactGroupMembers} WHERE ${inArray(t.contactGroupMembers.groupId, ids)}`;
  return op === "ne" ? sql`${t.contacts.id} NOT IN (${members})` : sql`${t.contacts.id} IN (${members})`;
}

export const contactsResource: ResourceSpec<typeof t.contacts> = {
  table: t.contacts,
  filters: {
    id: uuidF(t.contacts.id),
    account_id: uuidF(t.contacts.accountId),
    name: str(t.contacts.name),
    email: str(t.contacts.email),
    phone: str(t.contacts.phone),
    created_at: tsF(t.contacts.createdAt),
    updated_at: tsF(t.contacts.updatedAt),
    group_id: { type: "uuid", column: t.contacts.id, ops: ["eq", "ne", "in"], custom: groupMembership },
  },
  sorts: {
    name: t.contacts.name,
    email: t.contacts.email,
    phone: t.contacts.phone,
    created_at: t.contacts.createdAt,
    updated_at: t.contacts.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const contactGroupsResource: ResourceSpec<typeof t.contactGroups> = {
  table: t.contactGroups,
  filters: {
    id: uuidF(t.contactGroups.id),
    account_id: uuidF(t.contactGroups.accountId),
    name: str(t.contactGroups.name),
    description: str(t.contactGroups.description),
    member_count: int(t.contactGroups.memberCount),
    created_at: tsF(t.contactGroups.createdAt),
    updated_at: tsF(t.contactGroups.updatedAt),
  },
  sorts: {
    name: t.contactGroups.name,
    member_count: t.contactGroups.memberCount,
    created_at: t.contactGroups.createdAt,
    updated_at: t.contactGroups.updatedAt,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

export const apiKeysResource: ResourceSpec<typeof t.apiKeys> = {
  table: t.apiKeys,
  filters: {
    id: uuidF(t.apiKeys.id),
    account_id: uuidF(t.apiKeys.accountId),
    name: str(t.apiKeys.name),
    role: oneOf(t.apiKeys.role, ["admin", "manager", "user"]),
    created_at: tsF(t.apiKeys.createdAt),
    revoked_at: tsF(t.apiKeys.revokedAt),
  },
  sorts: { name: t.apiKeys.name, created_at: t.apiKeys.createdAt },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

/** `reason:eq|ne|in` on suppressions: the API's reason names, answered from the stored source values. */
function suppressionReason(op: FilterOp, value: FilterValue): ReturnType<typeof sql> {
  const reasons = (Array.isArray(value) ? value : [value]) as SuppressionReason[];
  const sources = SUPPRESSION_SOURCES_ALL.filter((src) => reasons.includes(reasonOfSource(src)));
  const cond = inArray(t.contactOptOuts.source, sources.length > 0 ? sources : ["-"]);
  return op === "ne" ? sql`NOT ${cond}` : cond;
}
const SUPPRESSION_SOURCES_ALL: SuppressionSource[] = ["keyword", "provider", "bounce", "complaint", "manual", "api"];

export const suppressionsResource: ResourceSpec<typeof t.contactOptOuts> = {
  table: t.contactOptOuts,
  filters: {
    id: uuidF(t.contactOptOuts.id),
    account_id: uuidF(t.contactOptOuts.accountId),
    scope: oneOf(t.contactOptOuts.channelScope, SUPPRESSION_SCOPES),
    address: str(t.contactOptOuts.address),
    reason: {
      type: "enum",
      column: t.contactOptOuts.source,
      values: SUPPRESSION_REASONS,
      ops: ["eq", "ne", "in"],
      custom: suppressionReason,
    },
    note: str(t.contactOptOuts.reason),
    contact_id: uuidF(t.contactOptOuts.contactId),
    channel_id: uuidF(t.contactOptOuts.channelId),
    created_at: tsF(t.contactOptOuts.createdAt),
  },
  sorts: {
    created_at: t.contactOptOuts.createdAt,
    address: t.contactOptOuts.address,
    scope: t.contactOptOuts.channelScope,
  },
  defaultSort: [{ field: "created_at", dir: "desc" }],
};

/** `unread:eq:true|false` on conversations: whether inbound messages wait since the last read marker. */
function unreadFilter(op: FilterOp, value: FilterValue): ReturnType<typeof sql> {
  const unread = op === "ne" ? value !== true : value === true;
  return unread ? sql`${t.conversations.unreadCount} > 0` : sql`${t.conversations.unreadCount} = 0`;
}

export const conversationsResource: ResourceSpec<typeof t.conversations> = {
  table: t.conversations,
  filters: {
    id: uuidF(t.conversations.id),
    account_id: uuidF(t.conversations.accountId),
    channel_id: uuidF(t.conversations.channelId),
    channel_type: oneOf(t.conversations.channelType, CHANNEL_TYPES),
    contact_id: uuidF(t.conversations.contactId),
    participant: str(t.conversations.participantFrom),
    status: oneOf(t.conversations.status, ["open", "pending", "closed"]),
    assignee: str(t.conversations.assignee),
    unread: { type: "bool", column: t.conversations.unreadCount, ops: ["eq", "ne"], custom: unreadFilter },
    unread_count: int(t.conversations.unreadCount),
    last_message_at: tsF(t.conversations.lastMessageAt),
    last_inbound_at: tsF(t.conversations.lastInboundAt),
    created_at: tsF(t.conversations.createdAt),
    updated_at: tsF(t.conversations.updatedAt),
  },
  sorts: {
    last_message_at: t.conversations.lastMessageAt,
    created_at: t.conversations.createdAt,
    updated_at: t.conversations.updatedAt,
    unread_count: t.conversations.unreadCount,
    status: t.conversations.status,
  },
  defaultSort: [{ field: "last_message_at", dir: "desc" }],
};
