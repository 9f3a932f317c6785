# syntax=docker/dockerfile:1
#
# user-service image: multi-stage, production dependencies only, non-root.
#
#   docker build -t user-service:0.1.0 .
#   docker run --rm -p 8000:8000 --env-file .env user-service:0.1.0
#
# NODE_IMAGE: Node 24 (LTS) on Debian 12 slim. Node 26 entered LTS in October 2026;
# move with `--build-arg NODE_IMAGE=node:26-bookworm-slim` (or -trixie-slim) once the
# test suite has run on it. Pin a digest in CI (node:24-bookworm-slim@sha256:...) for
# reproducible builds.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: every dependency (dev included), cached on package*.json only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

# ---- build: TypeScript -> dist/ (dist/src/main.js, dist/src/database/migrate.js, dist/migrations)
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && test -f dist/src/main.js && test -f dist/src/database/migrate.js

# ---- prod-deps: production dependencies only (no TypeScript, eslint, test tools)
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="user-service" \
      org.opencontainers.image.description="User and authentication microservice (NestJS)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# NODE_ENV=production: the service refuses to start without DATABASE_URL, REDIS_URL and
#   signing keys (DESIGN §3); run with NODE_ENV=development for the embedded mode.
# UV_THREADPOOL_SIZE: argon2id hashing runs on the libuv pool; 4 threads suit the
#   1-2 CPUs a pod gets. Raise it with the CPU limit (one thread per core, plus one for
#   the legacy hash queue and one spare; min 4).
# DATA_DIR: only used outside production (embedded database, generated dev keys).
# NODE_OPTIONS: V8 grows the heap lazily up to a quarter of the host's memory; capping the
#   old space at 192 MiB (live set ~60-70 MiB under load) and the young generation at
#   8 MiB keeps RSS near 200 MiB for about 5 % of read throughput (docs/performance.md).
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=8" \
    PORT=8000 \
    HOST=0.0.0.0 \
    UV_THREADPOOL_SIZE=4 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false

WORKDIR /app
# package.json is needed at run time: "type": "module" and the "#src/*" import map.
COPY --chown=root:root package.json package-lock.json ./
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Code stays owned by root and read-only for the app user; only DATA_DIR is writable.
RUN mkdir -p /app/data && chown node:node /app/data

# The `node` user (uid 1000) of the official image; numeric so runAsNonRoot can check it.
USER 1000:1000
# 8000: the API (PORT). 9464: Prometheus metrics (METRICS_PORT), for the scraper only.
EXPOSE 8000 9464

# No curl in the slim image: Node's fetch checks the liveness route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/liveness',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node runs as PID 1 and handles SIGTERM itself (graceful shutdown, SHUTDOWN_TIMEOUT_MS).
# Use `docker run --init` (compose: `init: true`) if a zombie-reaping init is wanted.
# --import: the OpenTelemetry bootstrap, which loads nothing unless an OTLP endpoint is set
# (OTEL_EXPORTER_OTLP_ENDPOINT; docs/operations.md, "Tracing").
STOPSIGNAL SIGTERM
CMD ["node", "--import", "./dist/src/tracing/register.js", "dist/src/main.js"]
