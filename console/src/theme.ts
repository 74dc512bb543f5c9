/** Light or dark: the user's choice (kept in localStorage; it is not a secret), else the system's. */

export type Theme = "light" | "dark";
const KEY = "turumba.console.theme";

export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === "light" || saved === "dark") return saved;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function applyTheme(t: Theme): void {
  document.documentElement.classList.toggle("dark", t === "dark");
  document.documentElement.style.colorScheme = t;
  localStorage.setItem(KEY, t);
}
