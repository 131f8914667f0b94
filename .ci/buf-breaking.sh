#!/usr/bin/env bash
# CI: fail if the gRPC contract in proto/ has breaking changes (buf `breaking`
# rules from buf.yaml, WIRE_JSON) compared with the previous commit.
#
# Skips with exit 0, saying why, when there is nothing to compare against:
# no git work tree, no commits, no HEAD~1 (first commit, or a shallow clone such as
# actions/checkout's default depth 1: fetch with depth >= 2 to enable the check),
# or HEAD~1 has no proto/ directory yet.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

skip() {
  echo "buf breaking: skipped: $*"
  exit 0
}

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  skip "$(pwd) is not a git work tree."
fi

if ! git rev-parse --verify --quiet 'HEAD^{commit}' >/dev/null 2>&1; then
  skip "the repository has no commits yet, nothing to compare against."
fi

if ! prev="$(git rev-parse --verify --quiet 'HEAD~1^{commit}' 2>/dev/null)"; then
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null || echo false)" = "true" ]; then
    skip "HEAD~1 is not available in this shallow clone (fetch with depth >= 2 to compare)."
  fi
  skip "HEAD has no parent commit (first commit), nothing to compare against."
fi

if [ -z "$(git ls-tree -d "$prev" -- proto 2>/dev/null)" ]; then
  skip "HEAD~1 ($(git rev-parse --short "$prev")) has no proto/ directory, nothing to compare against."
fi

echo "buf breaking: comparing proto/ with HEAD~1 ($(git rev-parse --short "$prev"))"
exec npx --no-install buf breaking proto --against '.git#subdir=proto,ref=HEAD~1'
