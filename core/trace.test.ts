import { describe, expect, it } from "vitest";
import { newTraceparent, parseTraceparent } from "./trace.js";

describe("traceparent", () => {
  it("round-trips a minted header", () => {
    const header = newTraceparent("0af7651916cd43dd8448eb211c80319c");
    expect(parseTraceparent(header)?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });
  it.each(["", "garbage", "00-" + "0".repeat(32) + "-b7ad6b7169203331-01", "01-abc-def-01"])("rejects %j", (h) =>
    expect(parseTraceparent(h)).toBeUndefined(),
  );
});
