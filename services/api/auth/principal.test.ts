import { describe, expect, it } from "vitest";
import { permissionsOf, type Principal, type Role } from "./principal.js";

const caller = (...roles: Role[]): Principal => ({ kind: "api_key", subject: "k", accountIds: ["a"], roles });

describe("permissionsOf", () => {
  it("grants each role its permissions and no more", () => {
    expect(permissionsOf(caller("user"))).toEqual(["read", "send"]);
    expect(permissionsOf(caller("manager"))).toEqual(["read", "send", "manage"]);
    expect(permissionsOf(caller("admin"))).toEqual(["read", "send", "manage", "admin"]);
  });

  it("unites the grants of several roles, and grants nothing without a role", () => {
    expect(permissionsOf(caller("user", "manager"))).toEqual(["read", "send", "manage"]);
    expect(permissionsOf(caller())).toEqual([]);
  });
});
