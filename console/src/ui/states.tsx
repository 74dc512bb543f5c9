/** The three states every screen has besides its content: loading, empty and failed. */

import { ApiProblem } from "../api";

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" aria-live="polite" className="py-8 text-slate-600 dark:text-slate-400">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return (
    <div className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-700 dark:border-slate-600 dark:text-slate-300">
      {children}
    </div>
  );
}

export function Failed({ error }: { error: unknown }) {
  const text =
    error instanceof ApiProblem
      ? `${error.detail} (${error.code})`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      {text}
    </div>
  );
}

const STATUS_LOOK: Record<string, string> = {
  delivered: "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-100",
  read: "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-100",
  active: "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-100",
  sent: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
  failed: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  paused: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
};

export function StatusBadge({ status }: { status: string }) {
  const look = STATUS_LOOK[status] ?? "bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100";
  return <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium ${look}`}>{status}</span>;
}
