/**
 * Credential parsing shared by every adapter, so a bad credential set fails the same way whichever
 * provider it was meant for.
 */

import type { z } from "zod";
import { SendError } from "../../core/dispatch/send-error.js";

/**
 * Validate credentials against an adapter's schema. A bad credential set can never succeed on
 * retry, so it is a permanent error; the message names fields, never values.
 */
export function parseCredentials<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)");
  throw new SendError({
    kind: "permanent",
    code: "invalid_credentials",
    message: `channel credentials are invalid: ${[...new Set(fields)].join(", ")}`,
  });
}
