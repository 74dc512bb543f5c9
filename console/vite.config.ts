/**
 * The console's build: Vite with React, Tailwind v4's plugin, served under /console by the API.
 * The output goes to .build/console at the repository root (gitignored, made by
 * scripts/build-console.sh); nothing is inlined into index.html, so the page runs under a
 * Content-Security-Policy without 'unsafe-inline'.
 */

import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: fileURLToPath(new URL("../.build/console", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // The module preload polyfill would be an inline script; every browser the console targets has modulepreload.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
});
