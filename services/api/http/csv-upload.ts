/**
 * What every CSV import route does around its rows: refuse a body that is not text/csv or
 * declares more bytes than API_CSV_MAX_BYTES before reading it, hold one of the account's import
 * slots (API_CSV_MAX_CONCURRENT_PER_ACCOUNT; 429 when none is free), and close the connection
 * when the import fails, rather than drain an upload nobody will read.
 */

import type { Request, Response } from "express";
import { AppError } from "../../../core/errors.js";
import type { Ctx } from "../context.js";
import type { CsvLimits } from "../csv-import.js";

/** Refuses the upload before a byte of it is read. */
export function checkCsvUpload(req: Request, ctx: Ctx): void {
  if (!req.is("text/csv"))
    throw new AppError(415, "unsupported_media_type", "send the file as text/csv", { field: "body" });
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > ctx.config.API_CSV_MAX_BYTES)
    throw new AppError(413, "payload_too_large", `the CSV file is larger than ${ctx.config.API_CSV_MAX_BYTES} bytes`, {
      field: "body",
    });
}

export function csvLimits(ctx: Ctx): CsvLimits {
  return {
    maxBytes: ctx.config.API_CSV_MAX_BYTES,
    maxRows: ctx.config.API_CSV_MAX_ROWS,
    deadlineMs: ctx.config.API_CSV_UPLOAD_TIMEOUT_SECONDS * 1000,
  };
}

/** Runs `work` in one of the account's import slots. */
export async function inImportSlot<T>(ctx: Ctx, res: Response, accountId: string, work: () => Promise<T>): Promise<T> {
  const release = ctx.imports.acquire(accountId);
  if (!release) {
    res.setHeader("Retry-After", "30");
    res.setHeader("Connection", "close");
    throw new AppError(
      429,
      "too_many_imports",
      `an account may run at most ${ctx.config.API_CSV_MAX_CONCURRENT_PER_ACCOUNT} imports at once; wait for one to finish`,
    );
  }
  try {
    return await work();
  } catch (err) {
    // The rest of the upload is not read; close the connection rather than drain it.
    res.setHeader("Connection", "close");
    throw err;
  } finally {
    release();
  }
}
