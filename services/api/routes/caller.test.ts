import { describe, expect, it } from "vitest";
import type { HandlerCtx } from "../http/route.js";
import { callerOut, callerRoutes } from "./caller.js";

describe("GET /v1/me", () => {
  it("answers the caller's accounts, roles and permissions in the documented shape", async () => {
    const [route] = callerRoutes;
    const principal = {
      kind: "api_key" as const,
      subject: "key-1",
      accountIds: ["acc-1"],
      roles: ["manager" as const],
    };
    const reply = await route!.handler({ principal } as unknown as HandlerCtx<unknown, unknown, unknown>);
    expect(reply.status).toBe(200);
    expect(callerOut.parse(reply.body)).toEqual({
      kind: "api_key",
      subject: "key-1",
      account_ids: ["acc-1"],
      roles: ["manager"],
      permissions: ["read", "send", "manage"],
    });
  });
});
