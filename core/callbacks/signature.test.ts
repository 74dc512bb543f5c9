import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { signatureHeader, signCallback, verifyCallbackSignature } from "./signature.js";

// The README's verification example: the same secret, timestamp, body and digest.
const SECRET = "whsec_test_vector_secret";
const TIMESTAMP = 1795780800;
const BODY =
  '{"id":"0192f5a8-7b3c-8d4e-9f10-111213141516","type":"message.status","account_id":"11111111-1111-4111-8111-111111111111","created_at":"2026-11-27T12:00:00.000Z","ordering_key":"message:22222222-2222-4222-8222-222222222222","data":{"message_id":"22222222-2222-4222-8222-222222222222","channel_id":null,"from_status":"sent","status":"delivered","group_message_id":null,"error_code":null}}';
const DIGEST = "86f7ed45be22282952e1ec591270a41e7002baf1e3e2905a612ad0d41e044878";

describe("callback signature", () => {
  it("matches the published test vector", () => {
    expect(signCallback(SECRET, TIMESTAMP, BODY)).toBe(DIGEST);
    expect(signatureHeader(SECRET, TIMESTAMP, BODY)).toBe(`t=${TIMESTAMP},v1=${DIGEST}`);
  });

  it("is the vector the README documents", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const part of [SECRET, String(TIMESTAMP), DIGEST, BODY]) expect(readme).toContain(part);
  });

  it("verifies a good header and refuses a changed body, a wrong secret, a stale or malformed header", () => {
    const header = `t=${TIMESTAMP},v1=${DIGEST}`;
    expect(verifyCallbackSignature(SECRET, header, BODY, TIMESTAMP + 10)).toBe(true);
    expect(verifyCallbackSignature(SECRET, header, BODY.replace("delivered", "failed"), TIMESTAMP)).toBe(false);
    expect(verifyCallbackSignature("whsec_other", header, BODY, TIMESTAMP)).toBe(false);
    expect(verifyCallbackSignature(SECRET, header, BODY, TIMESTAMP + 301)).toBe(false);
    expect(verifyCallbackSignature(SECRET, `t=${TIMESTAMP}`, BODY, TIMESTAMP)).toBe(false);
    expect(verifyCallbackSignature(SECRET, undefined, BODY, TIMESTAMP)).toBe(false);
  });
});
