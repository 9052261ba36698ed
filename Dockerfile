# pollcast container image: build with the dev toolchain, ship only what runs.
#   docker build -t pollcast .
#   docker run -p 8080:8080 -v pollcast-data:/data pollcast              # one process, embedded store
#   docker compose -f deploy/compose.yaml up                             # the whole fleet
# The build stage runs the same commands as CI (.ci/run): `npm ci --no-audit --no-fund`, then
# `npm run build`; test/unit/deploy-files.test.ts keeps the two in step.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN npm run build
# Runtime dependencies only (the native better-sqlite3 build is kept).
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY docs ./docs
# The embedded store's directory; unused with DATABASE_URL. Owned by the unprivileged `node` user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness only (/healthz): readiness (/readyz) is the load balancer's and Kubernetes' business.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Signals go straight to node (exec form, PID 1): SIGTERM drains and exits 0.
ENTRYPOINT ["node", "--max-semi-space-size=64", "bin/pollcast.js"]
CMD ["serve"]
