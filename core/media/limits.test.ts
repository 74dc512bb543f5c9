import { describe, expect, it } from "vitest";
import { mediaKindOf, mediaLimit } from "./limits.js";

const MB = 1024 * 1024;

describe("media limits", () => {
  it("reads the kind from the content type's family; everything else is a document", () => {
    expect(mediaKindOf("image/png")).toBe("image");
    expect(mediaKindOf("video/mp4")).toBe("video");
    expect(mediaKindOf("audio/ogg")).toBe("audio");
    expect(mediaKindOf("application/pdf")).toBe("document");
  });

  it("holds the providers' documented sizes", () => {
    expect(mediaLimit("whatsapp", "image/jpeg")).toBe(5 * MB);
    expect(mediaLimit("whatsapp", "application/pdf")).toBe(100 * MB);
    expect(mediaLimit("whatsapp", "video/mp4")).toBe(16 * MB);
    expect(mediaLimit("telegram", "application/pdf")).toBe(50 * MB);
    expect(mediaLimit("messenger", "image/png")).toBe(25 * MB);
    expect(mediaLimit("sms", "image/png")).toBe(5 * MB);
    expect(mediaLimit("smpp", "image/png")).toBe(0);
  });
});
