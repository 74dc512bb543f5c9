/**
 * The one error shape clients see: `{detail, code}` with a 4xx/5xx status.
 * Throw an AppError anywhere in request handling; the API's error middleware renders it.
 */

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = "AppError";
  }

  toBody(): { detail: string; code: string } & Record<string, unknown> {
    return { detail: this.detail, code: this.code, ...this.extra };
  }
}

export const badRequest = (code: string, detail: string, extra?: Record<string, unknown>) =>
  new AppError(400, code, detail, extra);
export const notFound = (detail = "Not found", code = "not_found") => new AppError(404, code, detail);
export const conflict = (code: string, detail: string) => new AppError(409, code, detail);
export const unauthorized = (detail = "Authentication required", code = "unauthorized") =>
  new AppError(401, code, detail);
export const forbidden = (detail = "Not allowed", code = "forbidden") => new AppError(403, code, detail);
