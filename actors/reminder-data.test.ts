import { describe, expect, it } from "vitest";
import { reminderFields } from "./reminder-data.js";

const json = JSON.stringify({ at: "2026-03-01T09:00:00.000Z" });

describe("reminderFields", () => {
  it.each<[string, unknown]>([
    ["an object", { at: "2026-03-01T09:00:00.000Z" }],
    ["JSON text", json],
    ["base64 of the JSON text", Buffer.from(json).toString("base64")],
    ["JSON text quoted once more", JSON.stringify(json)],
  ])("decodes %s", (_name, data) => {
    expect(reminderFields(data)).toEqual({ at: "2026-03-01T09:00:00.000Z" });
  });

  it.each<[string, unknown]>([
    ["nothing", undefined],
    ["null", null],
    ["a number", 42],
    ["JSON that is not an object", "42"],
    ["an object the SDK stringified", "[object Object]"],
    ["text that is neither JSON nor base64 JSON", "not json"],
  ])("has no fields for %s", (_name, data) => {
    expect(reminderFields(data)).toBeUndefined();
  });
});
