/**
 * The signed-in frame: navigation (a page per resource; a new page is a line in NAV and a route),
 * the theme switch and sign-out. A page whose reads the API allows only to some roles names the
 * permission it needs and is left out of the navigation for callers without it.
 */

import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { useCaller, type Permission } from "./permissions";
import { setSession } from "./session";
import { applyTheme, initialTheme, type Theme } from "./theme";

const NAV: readonly { to: string; label: string; needs?: Permission }[] = [
  { to: "/", label: "Overview" },
  { to: "/channels", label: "Channels" },
  { to: "/messages", label: "Messages" },
  { to: "/conversations", label: "Conversations" },
  { to: "/campaigns", label: "Campaigns" },
  { to: "/schedules", label: "Schedules" },
  { to: "/templates", label: "Templates" },
  { to: "/contacts", label: "Contacts" },
  { to: "/suppressions", label: "Suppressions" },
  { to: "/media", label: "Media" },
  { to: "/webhook-endpoints", label: "Webhook endpoints", needs: "admin" },
  { to: "/quotas", label: "Quotas", needs: "admin" },
  { to: "/dead-letters", label: "Dead letters", needs: "admin" },
];

export function Layout() {
  const navigate = useNavigate();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const granted = useCaller().data?.permissions;
  const nav = NAV.filter((n) => !n.needs || granted?.includes(n.needs));
  const flip = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next);
    setTheme(next);
  };
  return (
    <div className="flex min-h-screen">
      <nav aria-label="Main" className="w-52 shrink-0 border-r border-slate-200 p-4 dark:border-slate-800">
        <p className="mb-6 text-lg font-bold">Turumba</p>
        <ul className="space-y-1">
          {nav.map((n) => (
            <li key={n.to}>
              <Link
                to={n.to}
                activeOptions={{ exact: n.to === "/" }}
                className="block rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800"
                activeProps={{
                  className: "bg-indigo-100 font-semibold text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100",
                  "aria-current": "page",
                }}
              >
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="mt-8 space-y-2 text-sm">
          <button
            type="button"
            onClick={flip}
            className="underline"
            aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
          >
            {theme === "dark" ? "Light theme" : "Dark theme"}
          </button>
          <br />
          <button
            type="button"
            className="underline"
            onClick={() => {
              setSession(null);
              void navigate({ to: "/signin" });
            }}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main className="min-w-0 flex-1 p-6">
        <Outlet />
      </main>
    </div>
  );
}
