import { describe, expect, it } from "vitest";
import { textWithLinks } from "./link-fallback.js";

describe("link fallback", () => {
  it("appends each attachment's URL on a line of its own", () => {
    expect(
      textWithLinks("Your receipt ", [
        { url: "https://api.example/media-links/a" },
        { url: "https://cdn.example/b.pdf" },
      ]),
    ).toBe("Your receipt\nhttps://api.example/media-links/a\nhttps://cdn.example/b.pdf");
  });

  it("leaves the text alone without attachments, and sends the links alone without text", () => {
    expect(textWithLinks("Hi", [])).toBe("Hi");
    expect(textWithLinks("", [{ url: "https://x.example/a.png" }])).toBe("https://x.example/a.png");
  });
});
