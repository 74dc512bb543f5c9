import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "./secret-box.js";

const k = () => randomBytes(32).toString("base64");

describe("SecretBox", () => {
  const ring = `old:${k()},new:${k()}`;

  it("seals with the active key and opens with the recorded one", () => {
    const oldBox = SecretBox.fromKeyRing(ring, "old");
    const newBox = SecretBox.fromKeyRing(ring, "new");
    const sealed = oldBox.seal("s3cret", "row:1");
    expect(sealed.keyId).toBe("old");
    expect(newBox.open(sealed, "row:1")).toBe("s3cret");
    expect(newBox.seal("x", "a").keyId).toBe("new");
  });

  it("uses a fresh IV each time and never shows the plaintext", () => {
    const box = SecretBox.fromKeyRing(ring);
    const a = box.seal("plain-text-value", "aad");
    const b = box.seal("plain-text-value", "aad");
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(Buffer.from(a.ciphertext, "base64").toString("latin1")).not.toContain("plain-text-value");
  });

  it("refuses another row's associated data, a tampered byte, an unknown key", () => {
    const box = SecretBox.fromKeyRing(ring);
    const sealed = box.seal("v", "row:1");
    expect(() => box.open(sealed, "row:2")).toThrow(/authentication/);
    const raw = Buffer.from(sealed.ciphertext, "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open({ ...sealed, ciphertext: raw.toString("base64") }, "row:1")).toThrow(/authentication/);
    expect(() => box.open({ ...sealed, keyId: "nope" }, "row:1")).toThrow(/no key/);
  });

  it("validates the key ring", () => {
    expect(() => SecretBox.fromKeyRing("")).toThrow(/empty/);
    expect(() => SecretBox.fromKeyRing(`a:${Buffer.alloc(16).toString("base64")}`)).toThrow(/32 bytes/);
    expect(() => SecretBox.fromKeyRing(`a:${k()}`, "b")).toThrow(/not in the key ring/);
    expect(() => SecretBox.fromKeyRing("nocolon")).toThrow(/<id>:<base64 key>/);
  });
});
