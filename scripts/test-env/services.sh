#!/usr/bin/env bash
# scripts/test-env/services.sh: private PostgreSQL and Redis servers on
# 127.0.0.1 for tests, each living in a directory of its own. run.sh drives it;
# it can also be used by hand.
#
#   services.sh install postgres|redis|java|chromium...
#       apt-get install what is missing (postgresql, redis-server,
#       openjdk-17-jre-headless + maven, chromium + fonts-liberation); runs
#       `apt-get update` first. Needs root or password-less sudo.
#   services.sh start postgres DIR
#       initdb a new cluster in DIR (run as the `postgres` OS user when we are
#       root), listen_addresses=127.0.0.1 on a free port, unix socket in DIR,
#       scram-sha-256 auth with a generated password for the superuser
#       `postgres`, fsync/synchronous_commit/full_page_writes off. Prints
#           TEST_DATABASE_URL=postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres
#           POSTGRES_PID=...
#       Binaries: $TEST_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
#       The system cluster (/etc/postgresql, /var/lib/postgresql) is not touched.
#   services.sh start redis DIR
#       redis-server --bind 127.0.0.1 --port PORT --save '' --appendonly no in
#       the background. Prints TEST_REDIS_URL=redis://127.0.0.1:PORT and
#       REDIS_PID=...
#   services.sh stop postgres|redis DIR
#       Stop the server recorded in DIR (and only it), then delete DIR.
#   services.sh check postgres|redis|kafka URL
#       Exit 0 when the server at URL answers (for kafka: a comma-separated
#       host:port list, one answering broker is enough).
#   services.sh redis-bin | pg-bin
#       Print the path of redis-server / of the PostgreSQL bin dir (exit 1 if none).
#
# Logs go to stderr prefixed with [test-env]; the KEY=VALUE lines to stdout.
set -euo pipefail

log() { printf '[test-env] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- helpers ------------------------------------------------------------------

port_in_use() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
  if command -v ss >/dev/null 2>&1 && [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; then
    return 0
  fi
  return 1
}

# A free port in [$1, $2): below Linux's ephemeral range (32768+) so that
# outgoing connections cannot take it between the pick and the bind.
pick_port() {
  local lo=$1 hi=$2 p i
  for ((i = 0; i < 200; i++)); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
    port_in_use "$p" || { printf '%s' "$p"; return 0; }
  done
  die "no free port in [$lo, $hi)"
}

# "host port" of a URL such as postgres://u:p@host:5432/db?x=y or redis://[::1]:6379
host_port() {
  local u=$1 default_port=$2 host port
  u=${u#*://}
  u=${u%%[/?]*}
  u=${u##*@}
  if [[ "$u" == \[* ]]; then
    host=${u%%]*}
    host=${host#[}
    port=${u#*]}
    port=${port#:}
  else
    host=${u%%:*}
    port=""
    [[ "$u" == *:* ]] && port=${u##*:}
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$default_port}"
}

# shellcheck disable=SC2016  # $0/$1 expand in the inner bash
tcp_open() { timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# alive PID: scripts/lib/proc.sh
# shellcheck source=../lib/proc.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../lib" && pwd -P)/proc.sh"

# True when $1 is alive and its command line contains $2.
pid_matches() {
  alive "$1" || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

wait_gone() { # pid seconds
  local deadline=$((SECONDS + $2))
  while alive "$1" && ((SECONDS < deadline)); do sleep 0.1; done
  ! alive "$1"
}

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "need root (or password-less sudo) to run: $*"
  fi
}

pg_bin() {
  if [[ -n "${TEST_PG_BIN:-}" ]]; then
    [[ -x "$TEST_PG_BIN/initdb" ]] || return 1
    printf '%s\n' "$TEST_PG_BIN"
    return 0
  fi
  local d
  d=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$d" ]] || return 1
  dirname "$d"
}

redis_bin() {
  local b
  b=$(command -v redis-server 2>/dev/null || true)
  [[ -z "$b" && -x /usr/bin/redis-server ]] && b=/usr/bin/redis-server
  [[ -n "$b" ]] || return 1
  printf '%s\n' "$b"
}

# --- install ------------------------------------------------------------------

install() {
  local -a pkgs=()
  local what
  for what in "$@"; do
    case $what in
      postgres) pg_bin >/dev/null || pkgs+=(postgresql) ;;
      redis) redis_bin >/dev/null || pkgs+=(redis-server) ;;
      chromium)
        # The browser of the OpenID Connect browser tests (scripts/relying-parties/tools.sh),
        # with a font so that screenshots show text.
        command -v chromium >/dev/null 2>&1 || pkgs+=(chromium fonts-liberation)
        ;;
      java)
        command -v java >/dev/null 2>&1 || pkgs+=(openjdk-17-jre-headless)
        command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
        ;;
      *) die "install: unknown component $what" ;;
    esac
  done
  ((${#pkgs[@]})) || return 0
  local logf t0=$SECONDS
  logf=$(mktemp "${TMPDIR:-/tmp}/test-env-apt.XXXXXX")
  log "installing ${pkgs[*]} with apt-get (log: $logf)"
  # A failed update (one unreachable source) need not stop the install.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >"$logf" 2>&1 ||
    log "warning: apt-get update failed; trying the install anyway"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
    --no-install-recommends install "${pkgs[@]}" >>"$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    die "apt-get install ${pkgs[*]} failed"
  fi
  rm -f "$logf"
  log "installed ${pkgs[*]} in $((SECONDS - t0))s"
}

# --- postgres -------------------------------------------------------------------

PG_RUNAS=()
pg_runas() {
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install the postgresql package)"
    PG_RUNAS=(runuser -u postgres --)
  fi
}

pg_locale() {
  if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then printf 'C.UTF-8'; else printf 'C'; fi
}

start_postgres() {
  local dir=${1:?DIR} bin t0=$SECONDS pw port attempt pid
  bin=$(pg_bin) || die "PostgreSQL binaries not found (services.sh install postgres)"
  pg_runas
  mkdir -p "$dir"
  dir=$(cd -- "$dir" && pwd -P)
  [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
  mkdir -p "$dir/sock"
  : >"$dir/.test-env-postgres"
  # URL-safe generated password: no percent-encoding needed in the URL.
  pw=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  (umask 077 && printf '%s\n' "$pw" >"$dir/pwfile")
  ((EUID == 0)) && chown -R postgres:postgres "$dir"
  # The postgres user must be able to reach DIR through its parents.
  (
    cd "$dir"
    "${PG_RUNAS[@]}" "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth=scram-sha-256 -E UTF8 --locale="$(pg_locale)" --no-sync >"$dir/initdb.log" 2>&1
  ) || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  rm -f "$dir/pwfile"
  printf "include 'test-env.conf'\n" >>"$dir/data/postgresql.conf"
  for attempt in 1 2 3; do
    port=$(pick_port 20000 26000)
    cat >"$dir/data/test-env.conf" <<EOF
# Written by scripts/test-env/services.sh: a throwaway cluster for tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 128MB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    ((EUID == 0)) && chown postgres:postgres "$dir/data/test-env.conf"
    if (cd "$dir" && "${PG_RUNAS[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 90 -s start) >&2; then
      pid=$(head -n 1 "$dir/data/postmaster.pid")
      printf '%s\n' "$pid" >"$dir/postgres.pid"
      log "postgres pid $pid ready on 127.0.0.1:$port in $((SECONDS - t0))s ($bin)"
      printf 'TEST_DATABASE_URL=postgres://postgres:%s@127.0.0.1:%s/postgres\nPOSTGRES_PID=%s\n' "$pw" "$port" "$pid"
      return 0
    fi
    if grep -qE 'could not bind|Address already in use' "$dir/postgres.log" 2>/dev/null; then
      log "postgres: port $port taken (attempt $attempt/3); retrying"
      continue
    fi
    break
  done
  tail -n 30 "$dir/postgres.log" >&2 || true
  die "postgres failed to start"
}

stop_postgres() {
  local dir=${1:?DIR} bin pid
  [[ -d "$dir" ]] || return 0
  [[ -f "$dir/.test-env-postgres" ]] || die "$dir was not made by services.sh; refusing"
  pid=$(cat "$dir/postgres.pid" 2>/dev/null || true)
  # Interrupted during start-up: pg_ctl may have launched the postmaster
  # before postgres.pid was written.
  [[ -n "$pid" ]] || pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]] && pid_matches "$pid" "$dir/data"; then
    pg_runas
    bin=$(pg_bin) || bin=""
    if [[ -n "$bin" ]]; then
      (cd "$dir" && "${PG_RUNAS[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 -s stop) >&2 || true
    fi
    if pid_matches "$pid" "$dir/data"; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || { log "postgres $pid: KILL"; kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
    fi
    log "postgres pid $pid stopped"
  fi
  rm -rf -- "$dir"
}

# --- redis ------------------------------------------------------------------------

redis_ping() { # port
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == +PONG* ]]
  ) 2>/dev/null
}

start_redis() {
  local dir=${1:?DIR} bin t0=$SECONDS port attempt pid deadline
  bin=$(redis_bin) || die "redis-server not found (services.sh install redis)"
  mkdir -p "$dir"
  dir=$(cd -- "$dir" && pwd -P)
  [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty"
  : >"$dir/.test-env-redis"
  for attempt in 1 2 3; do
    port=$(pick_port 26000 32000)
    # setsid: a Ctrl-C in the terminal does not reach it; run.sh stops it.
    setsid "$bin" --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
      --daemonize no --protected-mode yes --dir "$dir" --logfile '' \
      </dev/null >>"$dir/redis.log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$dir/redis.pid"
    deadline=$((SECONDS + 30))
    while alive "$pid" && ((SECONDS < deadline)); do
      if redis_ping "$port"; then
        log "redis pid $pid ready on 127.0.0.1:$port in $((SECONDS - t0))s ($bin)"
        printf 'TEST_REDIS_URL=redis://127.0.0.1:%s\nREDIS_PID=%s\n' "$port" "$pid"
        return 0
      fi
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if grep -qiE 'address already in use|could not create server tcp' "$dir/redis.log"; then
      log "redis: port $port taken (attempt $attempt/3); retrying"
      continue
    fi
    break
  done
  tail -n 20 "$dir/redis.log" >&2 || true
  die "redis failed to start"
}

stop_redis() {
  local dir=${1:?DIR} pid
  [[ -d "$dir" ]] || return 0
  [[ -f "$dir/.test-env-redis" ]] || die "$dir was not made by services.sh; refusing"
  pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]] && pid_matches "$pid" redis-server; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || { log "redis $pid: KILL"; kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
    log "redis pid $pid stopped"
  fi
  rm -rf -- "$dir"
}

# --- reachability of given servers --------------------------------------------------

check() {
  local what=${1:?} url=${2:?} host port b
  case $what in
    postgres)
      if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=5 psql "$url" -XAtqc 'select 1' </dev/null >/dev/null 2>&1
      else
        read -r host port < <(host_port "$url" 5432)
        tcp_open "$host" "$port"
      fi
      ;;
    redis)
      if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(timeout 5 redis-cli -u "$url" ping 2>/dev/null </dev/null)" == PONG ]]
      else
        read -r host port < <(host_port "$url" 6379)
        tcp_open "$host" "$port"
      fi
      ;;
    kafka)
      local -a brokers
      IFS=',' read -r -a brokers <<<"$url"
      for b in "${brokers[@]}"; do
        read -r host port < <(host_port "$b" 9092)
        tcp_open "$host" "$port" && return 0
      done
      return 1
      ;;
    *) die "check: unknown service $what" ;;
  esac
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case "$cmd ${1:-}" in
  "install "*) install "$@" ;;
  "start postgres") start_postgres "${2:-}" ;;
  "start redis") start_redis "${2:-}" ;;
  "stop postgres") stop_postgres "${2:-}" ;;
  "stop redis") stop_redis "${2:-}" ;;
  "check "*) check "$@" ;;
  "redis-bin "*) redis_bin ;;
  "pg-bin "*) pg_bin ;;
  *) usage ;;
esac
