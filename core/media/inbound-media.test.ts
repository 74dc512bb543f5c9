import { describe, expect, it } from "vitest";
import { inboundMedia } from "./inbound-media.js";

describe("inbound media references", () => {
  it("keeps a reference with its declared type and name; the kind follows the type when not given", () => {
    expect(inboundMedia("id-1", "image", "image/jpeg", "a.jpg")).toEqual([
      { ref: "id-1", kind: "image", mimeType: "image/jpeg", filename: "a.jpg" },
    ]);
    expect(inboundMedia("https://x/y", undefined, "video/mp4")).toEqual([
      { ref: "https://x/y", kind: "video", mimeType: "video/mp4", filename: null },
    ]);
    expect(inboundMedia("u", undefined)).toEqual([{ ref: "u", kind: "document", mimeType: null, filename: null }]);
  });

  it("gives nothing for a missing or empty reference", () => {
    expect(inboundMedia(undefined, "image")).toEqual([]);
    expect(inboundMedia("", "image")).toEqual([]);
    expect(inboundMedia(42, "image")).toEqual([]);
  });
});
