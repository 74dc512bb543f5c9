/**
 * Every page of a list endpoint, as an async iterator. List endpoints page by offset (skip and
 * limit, answered with {items, total, total_capped, skip, limit}); the iterator asks for the next
 * offset until a page comes back short or the exact total is reached. The API bounds skip: a
 * listing deeper than that fails with its 400 (validation_error), and the way on is a narrower
 * filter (for example created_at:lt:<the last item's created_at>), not a deeper offset.
 */

import type { Client } from "openapi-fetch";
import type { paths } from "./schema.js";
import { TurumbaApiError } from "./errors.js";

type GetPath = { [P in keyof paths]: paths[P]["get"] extends { responses: unknown } ? P : never }[keyof paths];
type Ok<P extends GetPath> = paths[P]["get"] extends {
  responses: { 200: { content: { "application/json": infer B } } };
}
  ? B
  : never;

/** The paths whose GET answers a page. */
export type ListPath = { [P in GetPath]: Ok<P> extends { items: unknown[]; total: number } ? P : never }[GetPath];
export type Page<P extends ListPath> = Ok<P>;
export type ListQuery<P extends ListPath> = paths[P]["get"] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

interface AnyPage {
  items: unknown[];
  total: number;
  total_capped: boolean;
  limit: number;
}

export async function* paginate<P extends ListPath>(
  client: Client<paths>,
  path: P,
  query: ListQuery<P> = {} as ListQuery<P>,
): AsyncGenerator<Page<P>, void, undefined> {
  let skip = (query as { skip?: number }).skip ?? 0;
  for (;;) {
    const get = client.GET as unknown as (
      path: string,
      init: { params: { query: unknown } },
    ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
    const { data, error, response } = await get(path, { params: { query: { ...query, skip } } });
    if (data === undefined) throw new TurumbaApiError(response.status, error);
    const page = data as AnyPage;
    yield data as Page<P>;
    skip += page.items.length;
    if (page.items.length === 0 || page.items.length < page.limit) return;
    if (!page.total_capped && skip >= page.total) return;
  }
}
