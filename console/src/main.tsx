/**
 * The console's entry: TanStack Query for server state (caching, refetch, loading and error
 * states), TanStack Router for pages and URL state, the theme applied before the first paint.
 */

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiProblem } from "./api";
import { router } from "./router";
import { onSessionChange } from "./session";
import { applyTheme, initialTheme } from "./theme";
import "./styles.css";

applyTheme(initialTheme());

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change on retry; a network error or a 5xx may.
      retry: (n, err) => n < 2 && !(err instanceof ApiProblem && err.status < 500),
      staleTime: 5_000,
    },
  },
});
onSessionChange(() => {
  queries.clear();
  void router.invalidate();
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
