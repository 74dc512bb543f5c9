/**
 * Who is signed in: an API key or a JWT, kept in memory and in sessionStorage (so a reload keeps
 * the session, and closing the tab ends it). Never put in a URL: links and the address bar carry
 * only view state, and every request sends the credential in a header.
 */

export type Session = { kind: "api_key" | "jwt"; token: string };

const KEY = "turumba.console.session";
let current: Session | null = read();
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function onSessionChange(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The header that carries the credential. */
export function authHeaders(s: Session | null = current): Record<string, string> {
  if (!s) return {};
  return s.kind === "api_key" ? { "x-api-key": s.token } : { authorization: `Bearer ${s.token}` };
}
