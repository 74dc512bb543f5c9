import { describe, expect, it } from "vitest";
import { assertSidecarRoutesGuarded } from "./app-token.js";

describe("sidecar routes without an app token", () => {
  it("refuse to start when the app listens beyond loopback", () => {
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "my-pod", ""])
      expect(() => assertSidecarRoutesGuarded(host, undefined)).toThrow(/APP_API_TOKEN/);
  });

  it("start on loopback, or with a token anywhere", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
      expect(() => assertSidecarRoutesGuarded(host, undefined)).not.toThrow();
    expect(() => assertSidecarRoutesGuarded("0.0.0.0", "a-long-enough-app-token")).not.toThrow();
  });
});
