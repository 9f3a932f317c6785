#!/usr/bin/env bash
# scripts/test-env/run.sh COMMAND [ARGS...]
#
# Runs COMMAND (the test suite) with real PostgreSQL, Redis and Kafka servers
# on 127.0.0.1, then stops what it started and exits with COMMAND's exit code.
#
# For each service, a server given in the environment is used when it answers:
#   TEST_DATABASE_URL   postgres URL of a maintenance database whose user may
#                       CREATE DATABASE (e.g. postgres://u:p@host:5432/postgres)
#   TEST_REDIS_URL      redis://[:password@]host:port[/db]
#   TEST_KAFKA_BROKERS  host:port[,host:port...]
# otherwise a private one is started in a temp dir, on a free loopback port:
#   PostgreSQL  initdb + pg_ctl from /usr/lib/postgresql/*/bin (apt-get install
#               postgresql when missing), run as the `postgres` OS user,
#               superuser `postgres` with a generated password, fsync off.
#   Redis       redis-server (apt-get install redis-server when missing),
#               no persistence.
#   Kafka       scripts/kafka/kafka.sh (jars from Maven Central, cached in
#               ~/.cache/user-service/kafka). Skipped when TEST_NEEDS_KAFKA=0.
# The three start in parallel.
#
# COMMAND then runs with these exported:
#   TEST_DATABASE_URL, TEST_REDIS_URL, TEST_KAFKA_BROKERS (unset when
#       TEST_NEEDS_KAFKA=0 and none was given)
#   TEST_REDIS_SERVER_BIN  absolute path of redis-server, for tests that start
#                          (and kill) a throwaway Redis of their own
#   TEST_KAFKA_SCRIPT      absolute path of scripts/kafka/kafka.sh, for tests
#                          that start/stop/restart a throwaway broker
#                          (`kafka.sh start [DIR]`, `stop [--keep] [--kill] DIR`)
#   TEST_ENV_DIR           this run's temp dir (removed at exit); tests may
#                          put throwaway server dirs under it. `kafka.sh start`
#                          without DIR creates its dir there, and brokers left
#                          running in it are stopped at exit.
#
# On exit, INT, TERM or HUP: COMMAND is sent TERM if still running, then the
# servers this script started (and only those, by PID) are stopped and the temp
# dir removed. Logs go to stderr prefixed with [test-env].
#
# Other knobs: TEST_NEEDS_KAFKA=0; TEST_PG_BIN=dir of initdb/pg_ctl;
# KAFKA_CACHE, KAFKA_VERSION, KAFKA_HEAP_OPTS (see kafka.sh);
# TEST_ENV_KEEP=1 keeps the temp dir (server logs) after exit.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SERVICES="$SCRIPT_DIR/services.sh"
KAFKA_SH=$(cd -- "$SCRIPT_DIR/../kafka" && pwd -P)/kafka.sh

log() { printf '[test-env] %s\n' "$*" >&2; }

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

T0=$SECONDS
ENV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/user-service-test-env.XXXXXX")
# The postgres OS user must be able to traverse it to reach its data dir.
chmod 711 "$ENV_DIR"

# alive PID: scripts/lib/proc.sh
# shellcheck source=../lib/proc.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../lib" && pwd -P)/proc.sh"

# True while a process of group $1 runs (zombies aside).
# shellcheck disable=SC2317  # called from the traps
group_alive() {
  local f line st pg
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    line=${line##*) }
    read -r st _ pg _ <<<"$line"
    [[ "$pg" == "$1" && "$st" != Z && "$st" != X ]] && return 0
  done
  return 1
}

CHILD=""            # the test command
declare -A STARTER  # service -> pid of its starter (own process group)
STARTED=()          # services whose server dir exists under ENV_DIR

# shellcheck disable=SC2317  # called from the traps
stop_services() {
  local svc
  local -a pids=()
  for svc in ${STARTED[@]+"${STARTED[@]}"}; do
    case $svc in
      kafka) [[ -d "$ENV_DIR/kafka" ]] && { "$KAFKA_SH" stop "$ENV_DIR/kafka" || true; } & ;;
      postgres) { "$SERVICES" stop postgres "$ENV_DIR/postgres" || true; } & ;;
      redis) { "$SERVICES" stop redis "$ENV_DIR/redis" || true; } & ;;
    esac
    pids+=($!)
  done
  # Brokers the tests started under TEST_ENV_DIR and did not stop.
  local d
  for d in "$ENV_DIR"/*/; do
    [[ "$d" != "$ENV_DIR/kafka/" && -f "$d.kafka-test-broker" ]] || continue
    { "$KAFKA_SH" stop "$d" || true; } &
    pids+=($!)
  done
  for svc in ${pids[@]+"${pids[@]}"}; do wait "$svc" 2>/dev/null || true; done
}

# shellcheck disable=SC2317  # called from the traps
cleanup() {
  local rc=$? svc pid deadline
  trap '' INT TERM HUP
  trap - EXIT
  if [[ -n "$CHILD" ]] && alive "$CHILD"; then
    log "stopping the test command (pid $CHILD)"
    kill -TERM "$CHILD" 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while alive "$CHILD" && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$CHILD" 2>/dev/null || true
  fi
  # Starters still running (interrupted during start-up): end their whole
  # process group (mvn, initdb, pg_ctl...); what they had launched is found
  # through the pid files in the server dirs below.
  for svc in "${!STARTER[@]}"; do
    pid=${STARTER[$svc]}
    if group_alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      # ...and the rest of its group (runuser takes up to 2 s to pass TERM on).
      deadline=$((SECONDS + 5))
      while group_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  stop_services
  if [[ "${TEST_ENV_KEEP:-0}" == 1 ]]; then
    log "kept $ENV_DIR"
  else
    rm -rf -- "$ENV_DIR"
  fi
  log "done in $((SECONDS - T0))s, exit code $rc"
  exit "$rc"
}

# shellcheck disable=SC2317  # called from the traps
on_signal() {
  log "received SIG$1"
  exit "$2"
}

trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# Runs "$@" in a process group of its own (setsid), output KEY=VALUE lines to
# $ENV_DIR/$svc.env.
start_bg() {
  local svc=$1
  shift
  STARTED+=("$svc")
  setsid "$@" >"$ENV_DIR/$svc.env" </dev/null &
  STARTER[$svc]=$!
}

# Sets VALUE to the value of KEY in FILE (no eval of file contents).
read_key() { # file key
  local k v
  VALUE=""
  while IFS='=' read -r k v; do
    [[ "$k" == "$2" ]] && VALUE=$v
  done <"$1"
  [[ -n "$VALUE" ]]
}

# --- which servers to start ----------------------------------------------------

use_given() { # service var
  local var=$2
  [[ -n "${!var:-}" ]] || return 1
  if "$SERVICES" check "$1" "${!var}"; then
    log "$1: using the server in $var"
    return 0
  fi
  log "warning: $var is set but does not answer; starting a private $1 instead"
  return 1
}

NEED_PG=1 NEED_REDIS=1 NEED_KAFKA=1
use_given postgres TEST_DATABASE_URL && NEED_PG=0
use_given redis TEST_REDIS_URL && NEED_REDIS=0
if [[ "${TEST_NEEDS_KAFKA:-1}" == 0 ]]; then
  NEED_KAFKA=0
  [[ -n "${TEST_KAFKA_BROKERS:-}" ]] || log "kafka: not started (TEST_NEEDS_KAFKA=0)"
elif use_given kafka TEST_KAFKA_BROKERS; then
  NEED_KAFKA=0
fi

java_ready() { command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; }

# Kafka first: resolving jars and starting the JVM is the slowest part, and it
# needs apt only when java or mvn is missing.
if ((NEED_KAFKA)) && java_ready; then
  start_bg kafka "$KAFKA_SH" start "$ENV_DIR/kafka"
fi

# redis-server is wanted even with TEST_REDIS_URL given: it becomes
# TEST_REDIS_SERVER_BIN for the tests' own throwaway servers.
to_install=(redis)
((NEED_PG)) && to_install+=(postgres)
((NEED_KAFKA)) && ! java_ready && to_install+=(java)
"$SERVICES" install "${to_install[@]}" || log "warning: the install step failed"
if ((NEED_PG)) && ! "$SERVICES" pg-bin >/dev/null; then
  log "error: no PostgreSQL binaries (initdb, pg_ctl) to start a private server"
  exit 1
fi
if ! "$SERVICES" redis-bin >/dev/null; then
  if ((NEED_REDIS)); then log "error: no redis-server to start a private server"; exit 1; fi
  log "warning: no redis-server; TEST_REDIS_SERVER_BIN will be empty"
fi

if ((NEED_KAFKA)) && [[ -z "${STARTER[kafka]:-}" ]]; then
  start_bg kafka "$KAFKA_SH" start "$ENV_DIR/kafka"
fi
((NEED_PG)) && start_bg postgres "$SERVICES" start postgres "$ENV_DIR/postgres"
((NEED_REDIS)) && start_bg redis "$SERVICES" start redis "$ENV_DIR/redis"

failed=()
for svc in "${!STARTER[@]}"; do
  wait "${STARTER[$svc]}" || failed+=("$svc")
done
if ((${#failed[@]})); then
  log "error: could not start: ${failed[*]}"
  exit 1
fi

if ((NEED_PG)); then
  read_key "$ENV_DIR/postgres.env" TEST_DATABASE_URL || { log "error: no URL from postgres"; exit 1; }
  export TEST_DATABASE_URL=$VALUE
fi
if ((NEED_REDIS)); then
  read_key "$ENV_DIR/redis.env" TEST_REDIS_URL || { log "error: no URL from redis"; exit 1; }
  export TEST_REDIS_URL=$VALUE
fi
if ((NEED_KAFKA)); then
  read_key "$ENV_DIR/kafka.env" KAFKA_BROKERS || { log "error: no brokers from kafka"; exit 1; }
  export TEST_KAFKA_BROKERS=$VALUE
fi
TEST_REDIS_SERVER_BIN=$("$SERVICES" redis-bin 2>/dev/null || true)
export TEST_REDIS_SERVER_BIN
export TEST_KAFKA_SCRIPT=$KAFKA_SH
export TEST_ENV_DIR=$ENV_DIR

src() { if (($1)); then printf 'private'; else printf 'given'; fi; }
kafka_src=none
if [[ -n "${TEST_KAFKA_BROKERS:-}" ]]; then kafka_src="$(src "$NEED_KAFKA") $TEST_KAFKA_BROKERS"; fi
log "ready in $((SECONDS - T0))s: postgres $(src "$NEED_PG"), redis $(src "$NEED_REDIS"), kafka $kafka_src"
log "running: $*"

# In the background so that a TERM to this script is handled at once (a
# foreground child would delay the trap until it exits); stdin is passed on
# explicitly, since a background command would otherwise get /dev/null.
"$@" <&0 &
CHILD=$!
rc=0
wait "$CHILD" || rc=$?
CHILD=""
exit "$rc"
