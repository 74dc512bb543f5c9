/**
 * The error the client's helpers throw for an answer other than 2xx: the HTTP status and the
 * API's {detail, code} body (docs/errors.md lists every code, its meaning and what to do).
 */

export class TurumbaApiError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const b = (body ?? {}) as { detail?: unknown; code?: unknown };
    super(
      `${status} ${typeof b.code === "string" ? b.code : "error"}: ${typeof b.detail === "string" ? b.detail : ""}`,
    );
    this.name = "TurumbaApiError";
    this.code = typeof b.code === "string" ? b.code : undefined;
  }
}
