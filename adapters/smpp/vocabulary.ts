/**
 * SMPP 3.4 vocabulary as data: command_status values and how a submit's status classifies, message
 * states and receipt stat values mapped to delivery statuses, and the esm_class bits.
 */

import type { SendErrorKind } from "../../core/dispatch/send-error.js";
import type { DeliveryStatus } from "../../core/messages/vocabulary.js";

/** command_status values we treat specially. SMPP 3.4 §5.1.3 (Table 5-2). */
export const ESME = {
  ROK: 0x00,
  RINVMSGLEN: 0x01,
  RINVCMDLEN: 0x02,
  RINVCMDID: 0x03,
  RINVBNDSTS: 0x04,
  RALYBND: 0x05,
  RSYSERR: 0x08,
  RINVSRCADR: 0x0a,
  RINVDSTADR: 0x0b,
  RINVMSGID: 0x0c,
  RBINDFAIL: 0x0d,
  RINVPASWD: 0x0e,
  RINVSYSID: 0x0f,
  RMSGQFUL: 0x14,
  RSUBMITFAIL: 0x45,
  RTHROTTLED: 0x58,
  RX_T_APPN: 0x64,
  RX_P_APPN: 0x65,
  RX_R_APPN: 0x66,
  RUNKNOWNERR: 0xff,
} as const;

const NAMES = new Map<number, string>(Object.entries(ESME).map(([name, code]) => [code, `ESME_${name}`]));

export function esmeName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, "0")}`;
}

export function classifySubmitStatus(status: number): { kind: SendErrorKind; code: string } {
  switch (status) {
    case ESME.RTHROTTLED:
    case ESME.RMSGQFUL:
      return { kind: "throttled", code: "provider_throttled" };
    case ESME.RSYSERR:
    case ESME.RSUBMITFAIL:
    case ESME.RX_T_APPN:
    case ESME.RINVBNDSTS:
    case ESME.RUNKNOWNERR:
      return { kind: "retryable", code: "provider_unavailable" };
    case ESME.RINVDSTADR:
      return { kind: "permanent", code: "invalid_recipient" };
    case ESME.RINVSRCADR:
      return { kind: "permanent", code: "invalid_sender" };
    case ESME.RINVMSGLEN:
      return { kind: "permanent", code: "invalid_content" };
    default:
      return { kind: "permanent", code: "provider_rejected" };
  }
}

export const BIND_AUTH_FAILURES = new Set<number>([ESME.RINVPASWD, ESME.RINVSYSID, ESME.RBINDFAIL]);

/** message_state TLV (SMPP 3.4 §5.2.28). */
export const MESSAGE_STATE = new Map<number, { stat: string; status: DeliveryStatus }>([
  [1, { stat: "ENROUTE", status: "sent" }],
  [2, { stat: "DELIVRD", status: "delivered" }],
  [3, { stat: "EXPIRED", status: "failed" }],
  [4, { stat: "DELETED", status: "failed" }],
  [5, { stat: "UNDELIV", status: "failed" }],
  [6, { stat: "ACCEPTD", status: "sent" }],
  [7, { stat: "UNKNOWN", status: "failed" }],
  [8, { stat: "REJECTD", status: "failed" }],
]);

/** stat: values of the receipt text (SMPP 3.4 Appendix B). */
export const RECEIPT_STAT = new Map<string, DeliveryStatus>([
  ["ENROUTE", "sent"],
  ["ACCEPTD", "sent"],
  ["DELIVRD", "delivered"],
  ["EXPIRED", "failed"],
  ["DELETED", "failed"],
  ["UNDELIV", "failed"],
  ["UNKNOWN", "failed"],
  ["REJECTD", "failed"],
]);

/** esm_class message-type bits 2-5 (SMPP 3.4 §5.2.12). */
export const ESM_TYPE_MASK = 0x3c;
export const ESM_DELIVERY_RECEIPT = 0x04;
export const ESM_INTERMEDIATE_NOTIFICATION = 0x20;
export const ESM_UDHI = 0x40;
