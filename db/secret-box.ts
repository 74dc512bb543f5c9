/**
 * AES-256-GCM for channel credentials at rest. Each ciphertext records the id of the key that
 * sealed it, so keys rotate without a flag day: new writes use the active key, old rows still
 * open with theirs until re-encrypted. The associated data binds a ciphertext to its row (for
 * example "channel:<id>:credentials"), so a ciphertext copied onto another row does not open.
 *
 * Stored form: base64(iv[12] | tag[16] | ciphertext).
 */

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface Sealed {
  keyId: string;
  ciphertext: string;
}

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new SecretBoxError(`key ${id} must be 32 bytes (AES-256), got ${key.length}`);
    }
    if (!keys.has(activeKeyId)) throw new SecretBoxError(`active key ${activeKeyId} is not in the key ring`);
    this.keys = keys;
  }

  /**
   * Key ring from text: `id1:base64key,id2:base64key`. The active key is `activeKeyId`, or the
   * first one listed.
   */
  static fromKeyRing(spec: string, activeKeyId?: string): SecretBox {
    const keys = new Map<string, Buffer>();
    for (const entry of spec
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean)) {
      const sep = entry.indexOf(":");
      if (sep <= 0) throw new SecretBoxError("key ring entries must look like <id>:<base64 key>");
      const id = entry.slice(0, sep);
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id))
        throw new SecretBoxError(`key id "${id}" must be 1-64 of A-Z a-z 0-9 _ . -`);
      keys.set(id, Buffer.from(entry.slice(sep + 1), "base64"));
    }
    const first = keys.keys().next();
    if (first.done) throw new SecretBoxError("key ring is empty");
    return new SecretBox(keys, activeKeyId ?? first.value);
  }

  hasKey(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(plaintext: string, aad: string): Sealed {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { keyId: this.activeKeyId, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64") };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new SecretBoxError(`no key with id ${sealed.keyId} in the key ring`);
    const raw = Buffer.from(sealed.ciphertext, "base64");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError("ciphertext is truncated");
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      // Never include key material or plaintext fragments in the error.
      throw new SecretBoxError("ciphertext failed authentication (wrong key, wrong row or tampered)");
    }
  }

  sealJson(value: unknown, aad: string): Sealed {
    return this.seal(JSON.stringify(value), aad);
  }

  openJson<T = unknown>(sealed: Sealed, aad: string): T {
    return JSON.parse(this.open(sealed, aad)) as T;
  }
}

export const channelCredentialsAad = (channelId: string) => `channel:${channelId}:credentials`;
export const channelWebhookSecretAad = (channelId: string) => `channel:${channelId}:webhook_secret`;
