/** The demo's REST client: JSON in and out, an API key once one exists, errors with the body. */

export interface ApiClient {
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Record<string, unknown>>;
  useKey(key: string): void;
}

export function apiClient(url: (path: string) => string): ApiClient {
  let apiKey = "";
  return {
    useKey(key) {
      apiKey = key;
    },
    async call(method, path, body, headers = {}) {
      const raw = typeof body === "string";
      const res = await fetch(url(path), {
        method,
        headers: {
          "content-type": raw ? "text/csv" : "application/json",
          ...(apiKey ? { "x-api-key": apiKey } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      });
      const text = await res.text();
      const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return json;
    },
  };
}

/** Every item of a list endpoint, page by page. */
export async function listAll(api: ApiClient, path: string, pageSize: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let skip = 0; ; skip += pageSize) {
    const page = await api.call("GET", `${path}${sep}limit=${pageSize}&skip=${skip}`);
    const items = page.items as Record<string, unknown>[];
    out.push(...items);
    if (items.length < pageSize) return out;
  }
}
