/**
 * A channel's credentials as answers show them: the provider plugin's secret fields are write-only
 * and come back masked; the other fields (an account id, a sender number, an SMTP host) come back
 * as stored, so a client editing the channel can show what is set. When the plugin is unknown or
 * the credentials cannot be opened (no key configured, a retired key), every field is masked.
 */

import { credentialKind } from "../../../adapters/registry.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";

export const MASK = "********" as const;

export interface CredentialShape {
  channelType: string;
  provider: string;
  /** The names of the fields that are set. */
  fields: readonly string[];
}

export function shownCredentials(
  channel: CredentialShape,
  open: (() => Record<string, unknown>) | undefined,
): Record<string, unknown> {
  const masked = () => Object.fromEntries(channel.fields.map((f) => [f, MASK]));
  const secret = credentialKind(channel.channelType as ChannelType, channel.provider)?.secretFields;
  if (!secret || !open) return masked();
  let values: Record<string, unknown>;
  try {
    values = open();
  } catch {
    return masked();
  }
  return Object.fromEntries(channel.fields.map((f) => [f, secret.includes(f) ? MASK : values[f]]));
}
