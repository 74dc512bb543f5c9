/**
 * Who is calling, for which accounts, with which roles. Roles come from Cognito groups
 * (`cognito:groups`) or from the API key's role.
 */

import { badRequest, forbidden } from "../../../core/errors.js";

export const ROLES = ["admin", "manager", "user"] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs. read ⊂ send ⊂ manage ⊂ admin. */
export const PERMISSIONS = ["read", "send", "manage", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ["read", "send", "manage", "admin"],
  manager: ["read", "send", "manage"],
  user: ["read", "send"],
};

export interface Principal {
  kind: "user" | "api_key";
  subject: string;
  accountIds: string[];
  roles: Role[];
}

export function can(p: Principal, permission: Permission): boolean {
  return p.roles.some((r) => GRANTS[r].includes(permission));
}

/** Every permission the caller's roles grant, weakest first. */
export function permissionsOf(p: Principal): Permission[] {
  return PERMISSIONS.filter((permission) => can(p, permission));
}

export function requirePermission(p: Principal, permission: Permission): void {
  if (!can(p, permission))
    throw forbidden(`this operation needs the ${permission} permission, which your role does not grant`, "forbidden");
}

/** The account a new row belongs to: the one named in the body, or the caller's only one. */
export function accountFor(p: Principal, requested: string | undefined): string {
  if (requested !== undefined) {
    if (!p.accountIds.includes(requested)) throw forbidden("you do not belong to this account", "account_forbidden");
    return requested;
  }
  if (p.accountIds.length === 1) return p.accountIds[0]!;
  throw badRequest("account_required", "account_id is required: you belong to several accounts", {
    field: "account_id",
  });
}
