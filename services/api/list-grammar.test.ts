import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { messagesResource } from "./resources.js";
import { escapeLike, parseFilter } from "../../db/query/filters.js";
import { parseSort } from "../../db/query/sort.js";

const f = messagesResource.filters;
const err = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("expected an error");
};

describe("filter grammar", () => {
  it("splits at the first two colons so values may contain colons", () => {
    expect(parseFilter("created_at:ge:2024-01-01T10:00:00Z", f)).toEqual({
      field: "created_at",
      op: "ge",
      value: new Date("2024-01-01T10:00:00Z"),
    });
    expect(parseFilter("message_body:eq:a:b:c", f).value).toBe("a:b:c");
  });

  it("types values by field", () => {
    expect(parseFilter("priority:in:1,2,3", f).value).toEqual([1, 2, 3]);
    expect(parseFilter("status:in:queued,sent", f).value).toEqual(["queued", "sent"]);
    expect(parseFilter("created_at:range:2026-01-01,2026-02-01", f).value).toEqual([
      new Date("2026-01-01"),
      new Date("2026-02-01"),
    ]);
    expect(parseFilter("provider_message_id:is_null", f)).toEqual({
      field: "provider_message_id",
      op: "is_null",
      value: null,
    });
    expect(parseFilter("created_at:lt:2026-01-01T00:00:00", f).value).toEqual(new Date("2026-01-01T00:00:00Z"));
  });

  it.each([
    ["nope:eq:1", /cannot filter on "nope"/],
    ["status:zz:queued", /unknown filter operation/],
    ["status:contains:que", /not allowed on status/],
    ["status:eq:bogus", /must be one of/],
    ["channel_id:eq:not-a-uuid", /must be a UUID/],
    ["priority:eq:40000", /between -32768 and 32767/],
    ["priority:eq:1.5", /integer/],
    ["created_at:ge:yesterday", /ISO 8601/],
    ["priority:range:1", /two comma-separated/],
    ["provider_message_id:is_null:x", /takes no value/],
    ["status:eq", /needs a value/],
    ["status", /field:operation:value/],
    ["message_body:eq:a\u0000b", /NUL/],
    ["__proto__:eq:1", /cannot filter on/],
  ])("refuses %s with a 400 naming the filter", (raw, message) => {
    const e = err(() => parseFilter(raw, f, 2));
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_filter");
    expect(e.detail).toMatch(message);
    expect(e.extra).toEqual({ field: "filter[2]" });
  });

  it("escapes LIKE wildcards for the literal operations", () => {
    expect(escapeLike("100%_a\\b")).toBe("100\\%\\_a\\\\b");
  });
});

describe("sort grammar", () => {
  it("accepts repeated and comma-separated fields with a default direction", () => {
    expect(parseSort(["priority:desc,created_at", "status:asc"], messagesResource.sorts)).toEqual([
      { field: "priority", dir: "desc" },
      { field: "created_at", dir: "asc" },
      { field: "status", dir: "asc" },
    ]);
  });

  it.each([
    ["delivery_address:asc"],
    ["created_at:sideways"],
    ["created_at:desc:x"],
    ["created_at,created_at"],
    ["a,b,c,d,e,f"],
  ])("refuses %s", (raw) => {
    expect(err(() => parseSort([raw], messagesResource.sorts))).toMatchObject({ status: 400, code: "invalid_sort" });
  });
});
