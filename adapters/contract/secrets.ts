/**
 * Secrets travel inside credentials and sometimes inside URLs (Telegram's bot token is a path
 * segment, Messenger's page token a query parameter). Everything an adapter logs or puts into an
 * error passes through a Redactor built from the channel's declared secret fields.
 */

export const REDACTED = "[redacted]";

export function secretValues(credentials: Record<string, unknown>, secretFields: readonly string[]): string[] {
  const values: string[] = [];
  for (const field of secretFields) {
    const value = credentials[field];
    if (typeof value === "string" && value.length >= 4) values.push(value);
  }
  return values;
}

export class Redactor {
  private readonly needles: string[];

  constructor(secrets: readonly string[]) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
    }
    // Longest first so a secret containing another secret is replaced whole.
    this.needles = [...forms].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  static for(credentials: Record<string, unknown>, secretFields: readonly string[]): Redactor {
    return new Redactor(secretValues(credentials, secretFields));
  }

  text(value: string): string {
    let out = value;
    for (const needle of this.needles) out = out.split(needle).join(REDACTED);
    return out;
  }

  /** Deep copy with every string scrubbed; used for metadata handed back to callers. */
  value<T>(input: T): T {
    if (typeof input === "string") return this.text(input) as T;
    if (Array.isArray(input)) return input.map((item) => this.value(item)) as T;
    if (input && typeof input === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, val] of Object.entries(input as Record<string, unknown>)) out[key] = this.value(val);
      return out as T;
    }
    return input;
  }
}
