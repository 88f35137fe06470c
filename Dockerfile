# salesops-sync: one image for every command (migrate, worker, demo, sync, …).
# Build: docker build -t salesops-sync:local .   Run: docker run --rm salesops-sync:local --help

# ---- build: install everything, compile TypeScript to dist/, then drop dev dependencies ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so editing source does not invalidate the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
COPY sandboxes ./sandboxes
COPY workers ./workers
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled code and production dependencies only, as the unprivileged node user ----
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
# dist/ holds src, connectors, sandboxes, workers and the compiled migrations (src/migrate.ts reads ../migrations).
COPY --from=build --chown=node:node /app/dist ./dist
USER node
# The package's `salesops` bin; the command line is its arguments (`migrate`, `worker`, `demo`, …).
ENTRYPOINT ["node", "dist/src/app/cli-main.js"]
CMD ["--help"]
