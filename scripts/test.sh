#!/usr/bin/env bash
# npm test: build, then run every test against real PostgreSQL, Redis and Kafka
# (started on loopback by scripts/test-env/run.sh when not given in the environment).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
exec bash scripts/test-env/run.sh node scripts/run-tests.mjs "$@"
