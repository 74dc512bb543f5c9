/**
 * What the signed-in caller may do, as the API answers it (`GET /v1/me`): the navigation shows
 * only the pages the caller's role can open, and a page opened by its address that the role
 * cannot use says which role it needs instead of showing the API's 403. The API still checks
 * every request; this only spares the caller dead ends.
 */

import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { components } from "../../clients/typescript/index.js";
import { api, unwrap } from "./api";
import { PageTitle } from "./ui/controls";
import { Failed, Loading } from "./ui/states";

export type Permission = components["schemas"]["Caller"]["permissions"][number];

/** The weakest role that grants each permission (read ⊂ send ⊂ manage ⊂ admin). */
const ROLE_FOR: Record<Permission, string> = { read: "user", send: "user", manage: "manager", admin: "admin" };

export function useCaller() {
  // The roles do not change during a session; signing in again clears every query.
  return useQuery({ queryKey: ["caller"], queryFn: () => unwrap(api().GET("/v1/me")), staleTime: Infinity });
}

/** Whether the caller has the permission; false until the answer is in, so nothing forbidden flashes up. */
export function useCan(permission: Permission): boolean {
  return useCaller().data?.permissions.includes(permission) ?? false;
}

function NeedsRole({ title, permission, roles }: { title: string; permission: Permission; roles: string[] }) {
  return (
    <div className="max-w-2xl">
      <PageTitle>{title}</PageTitle>
      <div
        data-testid="needs-role"
        className="rounded-md border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
      >
        <p className="font-medium">This page needs the {ROLE_FOR[permission]} role.</p>
        <p className="mt-1 text-sm">
          You are signed in with the {roles.join(", ") || "no"} role; an admin of your account can give you a key or
          group with the {ROLE_FOR[permission]} role.
        </p>
      </div>
    </div>
  );
}

/** The page for callers with the permission; for anyone else, a page that says which role it needs. */
export function guarded(permission: Permission, title: string, Page: () => ReactNode): () => ReactNode {
  return function Guarded() {
    const caller = useCaller();
    if (caller.isPending) return <Loading what="your permissions" />;
    if (caller.error) return <Failed error={caller.error} />;
    if (!caller.data.permissions.includes(permission))
      return <NeedsRole title={title} permission={permission} roles={caller.data.roles} />;
    return <Page />;
  };
}
