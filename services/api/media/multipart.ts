/**
 * The file part of a multipart/form-data upload as a byte stream. busboy parses the form as it
 * arrives (express has no multipart parser of its own, and buffering a 100 MB form to parse it
 * would hold it all in memory): the first part named `file` is handed on, every other part drained.
 */

import type { Readable } from "node:stream";
import busboy from "busboy";
import type { Request } from "express";
import { AppError } from "../../../core/errors.js";

export interface FilePart {
  stream: Readable;
  filename?: string;
  /** Settles when the form has been read to its end (or failed). */
  done: Promise<void>;
}

/** Resolves with the `file` part once its headers arrive; rejects when the form has none or is malformed. */
export function multipartFile(req: Request, maxBytes: number): Promise<FilePart> {
  return new Promise((resolve, reject) => {
    let found = false;
    let finish!: () => void;
    let fail!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      finish = res;
      fail = rej;
    });
    done.catch(() => undefined);
    let bb: busboy.Busboy;
    try {
      // The file's own size is capped while it is stored; one extra byte lets that check see "larger".
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20, parts: 40 } });
    } catch (err) {
      reject(new AppError(400, "multipart_invalid", `malformed multipart request: ${(err as Error).message}`));
      return;
    }
    bb.on("file", (field, stream, info) => {
      if (field !== "file" || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ stream, filename: info.filename || undefined, done });
    });
    bb.on("close", () => {
      finish();
      if (!found)
        reject(
          new AppError(400, "media_file_required", "the multipart form has no part named `file`", { field: "file" }),
        );
    });
    bb.on("error", (err: Error) => {
      const e = new AppError(400, "multipart_invalid", `malformed multipart request: ${err.message}`);
      fail(e);
      reject(e);
    });
    req.pipe(bb);
  });
}
