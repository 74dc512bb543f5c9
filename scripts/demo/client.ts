/**
 * The demo's REST calls go through the typed client (clients/typescript): the same generated
 * types as any client, so a route change that breaks clients breaks the demo's type check. Only
 * the first API key comes from the operators' endpoint, which is internal and not in the public
 * document, by a plain request.
 */

import { createTurumbaClient, type operations, type TurumbaClient } from "../../clients/typescript/index.js";

export type { TurumbaClient };

/** The JSON body an operation takes. */
export type BodyOf<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;

/** The data of a successful answer; anything else throws, naming the call and the API's {detail, code}. */
export async function ok<T>(
  what: string,
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined)
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(error ?? null).slice(0, 300)}`);
  return data;
}

/** A new API key for the account, from the operators' endpoint (OPS_API_TOKEN). */
export async function bootstrapApiKey(baseUrl: string, opsToken: string, accountId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/internal/api-keys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${opsToken}` },
    body: JSON.stringify({ accountId, name: "demo" }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`POST /internal/api-keys: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { key: string }).key;
}

export const demoClient = (baseUrl: string, apiKey: string): TurumbaClient => createTurumbaClient({ baseUrl, apiKey });

/** Every message matching the filters, oldest first, page by page. */
export async function allMessages(api: TurumbaClient, filter: string[], pageSize: number) {
  const out = [];
  for await (const page of api.paginate("/v1/messages", { filter, sort: "created_at:asc", limit: pageSize }))
    out.push(...page.items);
  return out;
}
