#!/usr/bin/env bash
# scripts/contract/clients.sh [--fetch-only]
#
# Generated clients work on every route (issue 13 item 2): starts the built service on a
# fresh database with a test SMTP server, dumps the OpenAPI document it serves
# (/docs-json), generates a `typescript-fetch` and a `python` client from it with
# openapi-generator (Java, from Maven Central), and drives one flow per language over
# every tag (scripts/contract/flow.ts, scripts/contract/flow.py). A flow fails on a field
# the client dropped (the server's raw JSON compared with what the client deserialised),
# a deserialisation error, or an error body that is not contract §1's.
#
#   --fetch-only   only install the generator jar and the Python venv (CI warm-up)
#
# Services: TEST_DATABASE_URL and TEST_REDIS_URL (as scripts/test-env/run.sh exports
# them); when they are not set the script runs itself under scripts/test-env/run.sh
# (private PostgreSQL and Redis, no Kafka).
#
# Tools, pinned and cached OUTSIDE the tree (skipped when present):
#   openapi-generator-cli OPENAPI_GENERATOR_VERSION, resolved with `mvn dependency:copy`
#       from Maven Central into CONTRACT_CACHE (default ~/.cache/user-service/openapi-generator)
#   a Python venv for the generated client's runtime dependencies, CLIENTS_VENV
#       (default ~/.cache/user-service/venv-clients), created with python3 (>= 3.9) and pip
#
# Everything generated (document, clients, compiled flow) goes to a temp dir removed at
# exit (CLIENTS_WORKDIR to keep it); nothing is written in the tree.
# Other knobs: CLIENTS_SKIP_BUILD=1 (dist/ is already built).
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
OPENAPI_GENERATOR_VERSION=7.25.0
CACHE=${CONTRACT_CACHE:-$HOME/.cache/user-service/openapi-generator}
JAR="$CACHE/openapi-generator-cli-$OPENAPI_GENERATOR_VERSION.jar"
CLIENTS_VENV=${CLIENTS_VENV:-$HOME/.cache/user-service/venv-clients}
# The runtime dependencies the python generator's requirements.txt names, pinned.
PY_DEPS=(urllib3==2.6.3 python-dateutil==2.9.0.post0 pydantic==2.12.5 typing-extensions==4.15.0)

log() { printf '[clients] %s\n' "$*" >&2; }

fetch_only=0
case ${1:-} in
  --fetch-only) fetch_only=1 ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
  '') ;;
  *) log "unknown argument: $1 (see --help)"; exit 2 ;;
esac

# --- the pinned generator jar ---------------------------------------------------------
if [[ ! -s "$JAR" ]]; then
  command -v mvn >/dev/null || { log "error: mvn is needed to fetch openapi-generator-cli"; exit 1; }
  command -v java >/dev/null || { log "error: java (11+) is needed to run openapi-generator-cli"; exit 1; }
  log "fetching org.openapitools:openapi-generator-cli:$OPENAPI_GENERATOR_VERSION into $CACHE"
  mkdir -p "$CACHE"
  mvn -B -q -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.openapitools:openapi-generator-cli:$OPENAPI_GENERATOR_VERSION:jar" \
    -DoutputDirectory="$CACHE" -Dmdep.overWriteReleases=false >&2
  [[ -s "$JAR" ]] || { log "error: $JAR was not fetched"; exit 1; }
fi

# --- the Python client's runtime in its venv ------------------------------------------
stamp="$CLIENTS_VENV/.user-service-deps"
if [[ "$(cat "$stamp" 2>/dev/null)" != "${PY_DEPS[*]}" ]]; then
  command -v python3 >/dev/null || { log "error: python3 is needed for the python client"; exit 1; }
  log "installing ${PY_DEPS[*]} into $CLIENTS_VENV"
  mkdir -p "$(dirname -- "$CLIENTS_VENV")"
  [[ -x "$CLIENTS_VENV/bin/pip" ]] || python3 -m venv "$CLIENTS_VENV"
  "$CLIENTS_VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_DEPS[@]}"
  printf '%s' "${PY_DEPS[*]}" >"$stamp"
fi
((fetch_only)) && { log "tools ready: $JAR, $CLIENTS_VENV"; exit 0; }

if [[ -z "${TEST_DATABASE_URL:-}" || -z "${TEST_REDIS_URL:-}" ]]; then
  log "no TEST_DATABASE_URL/TEST_REDIS_URL: starting private servers with scripts/test-env/run.sh"
  TEST_NEEDS_KAFKA=0 exec bash "$ROOT/scripts/test-env/run.sh" bash "${BASH_SOURCE[0]}"
fi

cd "$ROOT"
if [[ "${CLIENTS_SKIP_BUILD:-0}" != 1 ]]; then
  log "building (tsc)"
  npx tsc -p tsconfig.json >&2
fi
export CLIENTS_JAR="$JAR" CLIENTS_PYTHON="$CLIENTS_VENV/bin/python"
exec node "$ROOT/scripts/contract/clients.mjs"
