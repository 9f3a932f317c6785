#!/usr/bin/env bash
# scripts/contract/lint.sh: lints the OpenAPI document the service serves (/docs-json) with the
# tools client teams use, as they use them: @redocly/cli (recommended ruleset, redocly.yaml) and
# Spectral (spectral:oas, .spectral.yaml). Fails on any error or warning of either. The problems
# declared rather than fixed are in .redocly.lint-ignore.yaml, each with its reason.
#
# The document comes from the built service (dist/; `npm run build` or `npx tsc` first, or
# CONTRACT_BUILD=1 to build here) started in embedded mode by dump-openapi.mjs: no PostgreSQL,
# Redis or Kafka needed. CONTRACT_PUBLIC_URL sets the PUBLIC_URL it runs with (the `servers`).
#
# The two CLIs (pinned below) are installed with npm into CONTRACT_TOOLS (default
# ~/.cache/user-service/contract-tools), outside the tree, once; later runs reuse them.
# CONTRACT_KEEP=<dir>: keep the dumped document and the lint output there.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
HERE="$ROOT/scripts/contract"
REDOCLY_VERSION=2.77.0
SPECTRAL_VERSION=6.16.3
TOOLS=${CONTRACT_TOOLS:-$HOME/.cache/user-service/contract-tools}

log() { printf '[contract] %s\n' "$*" >&2; }

installed() { # installed <package> <version>
  [[ "$(node -p "require('$TOOLS/node_modules/$1/package.json').version" 2>/dev/null)" == "$2" ]]
}
if ! installed @redocly/cli "$REDOCLY_VERSION" || ! installed @stoplight/spectral-cli "$SPECTRAL_VERSION"; then
  log "installing @redocly/cli@$REDOCLY_VERSION @stoplight/spectral-cli@$SPECTRAL_VERSION into $TOOLS"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error --no-save \
    "@redocly/cli@$REDOCLY_VERSION" "@stoplight/spectral-cli@$SPECTRAL_VERSION" >&2
fi

cd "$ROOT"
if [[ "${CONTRACT_BUILD:-0}" == 1 ]]; then
  log "building (tsc)"
  npx tsc -p tsconfig.json >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/user-service-contract-XXXXXX")
trap 'rm -rf "$work"' EXIT
log "dumping the served document"
node "$HERE/dump-openapi.mjs" "$work/openapi.json"
# Redocly reads its ignore file beside its config, keyed by the document's path relative to it.
cp "$HERE/redocly.yaml" "$HERE/.redocly.lint-ignore.yaml" "$HERE/.spectral.yaml" "$work/"

fail=0
log "redocly lint (recommended)"
if ! (cd "$work" && NO_COLOR=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$TOOLS/node_modules/.bin/redocly" lint --config redocly.yaml --max-problems 1000 --format stylish openapi.json \
  >redocly.out 2>&1); then
  fail=1
fi
grep -v '[║╔╚]' "$work/redocly.out" >&2 || true
# Warnings do not change redocly's exit code: they fail here.
if grep -Eq '^[[:space:]]+[0-9]+:[0-9]+[[:space:]]+(error|warning)' "$work/redocly.out"; then fail=1; fi

log "spectral lint (spectral:oas)"
if ! (cd "$work" && "$TOOLS/node_modules/.bin/spectral" lint --ruleset .spectral.yaml --fail-severity warn \
  --format text openapi.json >spectral.out 2>&1); then
  fail=1
fi
cat "$work/spectral.out" >&2

if [[ -n "${CONTRACT_KEEP:-}" ]]; then
  mkdir -p "$CONTRACT_KEEP" && cp "$work"/openapi.json "$work"/*.out "$CONTRACT_KEEP/"
fi
if ((fail)); then
  log "FAILED: the served document has lint problems (above)"
  exit 1
fi
log "passed: 0 errors, 0 warnings (redocly recommended, spectral:oas)"
