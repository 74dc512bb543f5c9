/**
 * The console's way to the REST API: the typed client (clients/typescript, generated from the
 * OpenAPI document) bound to the signed-in session, and one error type that carries the API's
 * {detail, code, field} so forms can show an error beside the field it concerns.
 */

import { createTurumbaClient, type TurumbaClient } from "../../clients/typescript/index.js";
import { getSession, onSessionChange, setSession } from "./session";

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
    this.name = "ApiProblem";
  }
}

let bound: TurumbaClient | null = null;
onSessionChange(() => (bound = null));

export function api(): TurumbaClient {
  if (bound) return bound;
  const s = getSession();
  bound = createTurumbaClient({
    baseUrl: window.location.origin,
    ...(s?.kind === "api_key" ? { apiKey: s.token } : s ? { bearerToken: s.token } : {}),
    retries: 1,
  });
  return bound;
}

/** The data of an openapi-fetch answer, or an ApiProblem; a 401 ends the session. */
export async function unwrap<T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await answer;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { detail?: string; code?: string; field?: string };
  if (response.status === 401) setSession(null);
  throw new ApiProblem(
    response.status,
    body.code ?? `http_${response.status}`,
    body.detail ?? response.statusText,
    body.field,
  );
}

/**
 * The error that concerns a field (the API names it, e.g. "credentials.account_sid"), if any, as
 * the API's detail and code: the code is what a reader quotes when asking for help.
 */
export function fieldError(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiProblem) || !err.field) return undefined;
  return err.field === field || err.field.startsWith(`${field}.`) ? `${err.detail} (${err.code})` : undefined;
}
