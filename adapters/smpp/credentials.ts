/**
 * SMPP channel credentials: the schema the API validates a channel against and the adapter reads, and
 * the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

/**
 * How the SMSC writes the id in a receipt's text compared with submit_sm_resp: the same form
 * (most SMSCs), hex ids answered with decimal receipts (hex_to_dec), or decimal ids answered with
 * hex receipts (dec_to_hex). Ids are converted only the way the channel names, never guessed.
 */
export const ReceiptIdRadix = z.enum(["same", "hex_to_dec", "dec_to_hex"]);
export type ReceiptIdRadix = z.infer<typeof ReceiptIdRadix>;

/** SMPP 3.4 §5.2: system_id is at most 16 octets and password 9, both including the NUL. */
export const SmppCredentials = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(2775),
  tls: z.boolean().default(false),
  system_id: z.string().min(1).max(15),
  password: z.string().min(1).max(8),
  system_type: z.string().max(12).default(""),
  /** Sender address; alphanumeric senders go out with TON 5, numeric ones with TON 1 / NPI 1. */
  source_addr: z.string().min(1).max(20),
  source_addr_ton: z.number().int().min(0).max(6).optional(),
  source_addr_npi: z.number().int().min(0).max(18).optional(),
  dest_addr_ton: z.number().int().min(0).max(6).default(1),
  dest_addr_npi: z.number().int().min(0).max(18).default(1),
  /** Outstanding submit_sm without a submit_sm_resp, as agreed with the SMSC operator. */
  window_size: z.number().int().min(1).max(1000).default(10),
  enquire_link_interval_ms: z.number().int().min(1000).default(30_000),
  /** Throughput agreed per bind; informational here, enforced by the channel's rate limiter. */
  max_tps: z.number().int().positive().optional(),
  receipt_id_radix: ReceiptIdRadix.default("same"),
});
export type SmppCredentials = z.infer<typeof SmppCredentials>;

export const SMPP_SECRET_FIELDS = ["password"] as const;
