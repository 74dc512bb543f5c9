# syntax=docker/dockerfile:1.7
# The apps' image: one entry point (services/main.js, ROLE=api|dispatcher|all) and the provider
# simulator (services/simulator/main.js). Built in three stages so the runtime image holds only
# compiled JavaScript and production dependencies, and runs as an unprivileged user.
#
# Why compile instead of running TypeScript with tsx: tsx is a development dependency and
# transpiles on every start; tsc output starts faster, needs no loader, and keeps class names
# intact (Dapr registers an actor type under its class name, so nothing here may minify).

# Node 24 LTS (the major of .node-version), pinned by digest so a rebuild gets the same bytes; a
# build where no registry is reachable passes a locally built base with --build-arg NODE_IMAGE=….
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# 1. Compile: all dependencies (TypeScript is a dev dependency), then tsc to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# swagger-ui-dist (the /docs pages) depends on @scarf/scarf, whose install script reports the
# install to an analytics service; a build reports nothing.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core core
COPY services services
COPY actors actors
COPY adapters adapters
COPY db db
# Only the runtime code (tsconfig.build.json): tests, test kits and fixtures stay out of the image.
RUN npm run build
# The console (served at /console): static files built from console/ and the typed client it calls.
COPY clients clients
COPY console console
COPY scripts/build-console.sh scripts/build-console.sh
RUN bash scripts/build-console.sh

# 2. Production dependencies only (no TypeScript, no test tooling), without install scripts.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: compiled code + production node_modules, owned by root, run as `node` (uid 1000).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production APP_HOST=0.0.0.0
WORKDIR /app
# package.json carries "type": "module", which the compiled ESM needs.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./
COPY --from=build /src/.build/console ./.build/console
USER 1000:1000
EXPOSE 3000
# Node handles SIGTERM itself (graceful shutdown in services/main.ts); compose adds `init: true`.
CMD ["node", "services/main.js"]
