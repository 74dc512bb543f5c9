import { describe, expect, it } from "vitest";
import { mediaLinkKey, signMediaLink, verifyMediaLink } from "./link-token.js";

const id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const now = new Date("2026-11-27T12:00:00Z");
const key = mediaLinkKey("k1:AAAA");

describe("media link tokens", () => {
  it("verify until they expire", () => {
    const token = signMediaLink(key, id, new Date(now.getTime() + 60_000));
    expect(verifyMediaLink(key, token, now)).toBe(id);
    expect(verifyMediaLink(key, token, new Date(now.getTime() + 61_000))).toBeUndefined();
  });

  it("refuse another key, a changed id or expiry, and garbage", () => {
    const token = signMediaLink(key, id, new Date(now.getTime() + 60_000));
    expect(verifyMediaLink(mediaLinkKey("k1:BBBB"), token, now)).toBeUndefined();
    expect(verifyMediaLink(key, token.replace(id, id.replace(/5b$/, "5c")), now)).toBeUndefined();
    const [a, exp, sig] = token.split(".");
    expect(verifyMediaLink(key, `${a}.${Number(exp) + 3600}.${sig}`, now)).toBeUndefined();
    expect(verifyMediaLink(key, "nonsense", now)).toBeUndefined();
  });
});
