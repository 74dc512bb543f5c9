/**
 * The rows of a suppression CSV import: column address (required), and optionally scope, reason
 * and note, the request's scope and reason standing in for absent ones. Each address is checked
 * and stored in the form the scope's messages use; other columns are refused, so a contact file
 * sent here by mistake fails at its header rather than suppressing its phone column.
 */

import type { Request } from "express";
import { badRequest } from "../../core/errors.js";
import {
  SUPPRESSION_REASONS,
  SUPPRESSION_SCOPES,
  sourceOfReason,
  suppressionAddress,
  type SuppressionReason,
  type SuppressionScope,
} from "../../core/messages/suppressions.js";
import type { NewSuppression } from "../../db/contacts/suppressions.js";
import { csvBatches, type CsvLimits, type ImportStats } from "./csv-import.js";

const COLUMNS = new Set(["address", "scope", "reason", "note"]);

function suppressionHeaders(names: string[]): void {
  if (!names.includes("address"))
    throw badRequest("invalid_csv", "the header row needs the column address", { field: "body" });
  const other = names.find((n) => !COLUMNS.has(n));
  if (other !== undefined)
    throw badRequest("invalid_csv", `column "${other.slice(0, 64)}": the columns are address, scope, reason, note`, {
      field: "body",
    });
}

export function toSuppression(
  record: Record<string, string>,
  defaults: { scope: SuppressionScope; reason: SuppressionReason },
): NewSuppression | string {
  if (Object.values(record).some((v) => v.includes("\u0000"))) return "a value contains a NUL character";
  const scope = (record.scope?.trim().toLowerCase() || defaults.scope) as SuppressionScope;
  if (!(SUPPRESSION_SCOPES as readonly string[]).includes(scope))
    return `scope: one of ${SUPPRESSION_SCOPES.join(", ")}`;
  const reason = (record.reason?.trim().toLowerCase() || defaults.reason) as SuppressionReason;
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason))
    return `reason: one of ${SUPPRESSION_REASONS.join(", ")}`;
  const note = record.note?.trim() || null;
  if (note && note.length > 1000) return "note: at most 1000 characters";
  const a = suppressionAddress(scope, record.address ?? "");
  if ("error" in a) return a.error;
  return { scope, address: a.address, source: sourceOfReason(reason), reason: note };
}

export function csvSuppressionBatches(
  req: Request,
  limits: CsvLimits,
  stats: ImportStats,
  defaults: { scope: SuppressionScope; reason: SuppressionReason },
): AsyncIterable<NewSuppression[]> {
  return csvBatches(req, limits, stats, suppressionHeaders, (r) => toSuppression(r, defaults));
}
