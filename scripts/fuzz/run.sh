#!/usr/bin/env bash
# scripts/fuzz/run.sh [--long] [-- SCHEMATHESIS ARGS...]
#
# Fuzzes the running service through its own OpenAPI document (/docs-json) with
# Schemathesis, once signed in as a user and once as an admin (X-Service-Token on the
# routes that take it), against real PostgreSQL and Redis. Fails on any 5xx, on a status,
# content type, header or body the document does not list for the route, on an error body
# that is not contract §1's, on a schema-valid request refused or a schema-violating one
# accepted, on a method the path does not serve answered otherwise than 405, and on a
# route that ignores its authentication. See docs/fuzzing.md.
#
#   (default)   a bounded run for CI: FUZZ_EXAMPLES (default 40) cases per operation and
#               phase, fixed seed (FUZZ_SEED, default 20261122), about 1.5 min on 2 cores
#   --long      FUZZ_EXAMPLES (default 500) cases, a random seed: minutes to tens of minutes
#
# Services: TEST_DATABASE_URL and TEST_REDIS_URL (a superuser URL to a maintenance
# database, as scripts/test-env/run.sh exports them). When they are not set the script
# runs itself under scripts/test-env/run.sh (private PostgreSQL and Redis, no Kafka).
#
# Schemathesis (pinned, SCHEMATHESIS_VERSION) lives in a virtualenv outside the tree,
# FUZZ_VENV (default ~/.cache/user-service/venv-schemathesis), created or reused here with
# python3 (>= 3.10) and pip from PyPI.
#
# Other knobs: FUZZ_SKIP_BUILD=1 (dist/ is already built), FUZZ_REPORT_DIR (JUnit XML and
# the service log are kept there), FUZZ_KEEP_DB=1 (keep the fuzzed database), FUZZ_WORKDIR (scratch dir, default a temp dir removed
# at exit). Exit code 0 when both passes pass.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCHEMATHESIS_VERSION=4.32.5
FUZZ_VENV=${FUZZ_VENV:-$HOME/.cache/user-service/venv-schemathesis}

log() { printf '[fuzz] %s\n' "$*" >&2; }

long=0
extra=()
while (($#)); do
  case $1 in
    --long) long=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
    --) shift; extra=("$@"); break ;;
    *) log "unknown argument: $1 (see --help)"; exit 2 ;;
  esac
  shift
done

if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_REDIS_URL:-}" ]]; then
  log "no TEST_DATABASE_URL/TEST_REDIS_URL: starting private servers with scripts/test-env/run.sh"
  args=()
  ((long)) && args+=(--long)
  ((${#extra[@]})) && args+=(-- "${extra[@]}")
  TEST_NEEDS_KAFKA=0 exec bash "$ROOT/scripts/test-env/run.sh" bash "${BASH_SOURCE[0]}" ${args[@]+"${args[@]}"}
fi

# --- the pinned Schemathesis in its virtualenv -------------------------------------
st_version() { "$FUZZ_VENV/bin/st" --version 2>/dev/null | awk '{print $NF}'; }
if [[ "$(st_version)" != "$SCHEMATHESIS_VERSION" ]]; then
  command -v python3 >/dev/null || { log "error: python3 is needed for Schemathesis"; exit 1; }
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    { log "error: Schemathesis $SCHEMATHESIS_VERSION needs Python >= 3.10"; exit 1; }
  log "installing schemathesis==$SCHEMATHESIS_VERSION into $FUZZ_VENV"
  mkdir -p "$(dirname -- "$FUZZ_VENV")"
  [[ -x "$FUZZ_VENV/bin/pip" ]] || python3 -m venv "$FUZZ_VENV"
  "$FUZZ_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  [[ "$(st_version)" == "$SCHEMATHESIS_VERSION" ]] || { log "error: schemathesis install failed"; exit 1; }
fi

cd "$ROOT"
if [[ "${FUZZ_SKIP_BUILD:-0}" != 1 ]]; then
  log "building (tsc)"
  npx tsc -p tsconfig.json >&2
fi

if ((long)); then
  export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-500}
  export FUZZ_SEED=${FUZZ_SEED:-}
else
  export FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-40}
  export FUZZ_SEED=${FUZZ_SEED-20261122}
fi
export FUZZ_ST="$FUZZ_VENV/bin/st"
exec node "$ROOT/scripts/fuzz/run.mjs" ${extra[@]+"${extra[@]}"}
