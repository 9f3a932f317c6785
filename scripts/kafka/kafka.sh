#!/usr/bin/env bash
# scripts/kafka/kafka.sh: a throwaway single-node Apache Kafka broker (KRaft,
# combined broker+controller, no ZooKeeper) listening on 127.0.0.1 only, for
# tests. The jars come from Maven Central through scripts/kafka/pom.xml; no
# Kafka distribution, container or download outside Maven is needed: only java
# (17+) and mvn.
#
# Commands
#   kafka.sh fetch
#       Resolve the broker and CLI jars into $KAFKA_CACHE/libs (skipped when
#       the jars for this pom.xml and KAFKA_VERSION are all there: a second run
#       takes milliseconds). Prints the libs dir.
#   kafka.sh start [DIR]
#       Start a broker whose whole state (config, data, logs, pid) lives in DIR
#       (default: a new kafka-test.XXXXXX under $TEST_ENV_DIR when set, which
#       scripts/test-env/run.sh sweeps at exit, else under ${TMPDIR:-/tmp}).
#         - DIR missing or empty: pick free loopback ports, format the storage,
#           start.
#         - DIR left by `kafka.sh stop --keep DIR`: start again on the SAME ports
#           with the SAME data (cluster id, topics, offsets, committed groups),
#           e.g. to test that a producer/outbox recovers after a broker outage.
#       Returns once the broker has logged "Kafka Server started" and its port
#       accepts connections, then prints on stdout, in a form `eval` accepts:
#           KAFKA_BROKERS=127.0.0.1:PORT
#           KAFKA_DIR=/abs/path/of/DIR
#           KAFKA_PID=12345
#       Everything else goes to stderr. The broker's own log is DIR/kafka.out.
#   kafka.sh stop [--keep] [--kill] DIR
#       Stop the broker recorded in DIR/kafka.pid (and only that process): TERM,
#       then KILL after $KAFKA_STOP_TIMEOUT seconds. --kill sends KILL at once
#       (a crash). Then DIR is removed, unless --keep is given, in which case
#       `kafka.sh start DIR` brings the same broker back. Stopping a DIR whose
#       broker is not running only cleans up.
#   kafka.sh status DIR
#       Exit 0 and print KAFKA_BROKERS=... when DIR's broker is running.
#   kafka.sh tool CLASS [ARGS...]
#       Run a Kafka CLI main class on the cached jars (log output at WARN), e.g.
#         kafka.sh tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:PORT --list
#         kafka.sh tool org.apache.kafka.tools.ConsoleProducer --bootstrap-server ... --topic t
#         kafka.sh tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server ... --topic t --from-beginning --max-messages 1
#
# Environment (all optional)
#   KAFKA_CACHE          jar cache; default ${XDG_CACHE_HOME:-$HOME/.cache}/user-service/kafka
#   KAFKA_VERSION        Kafka version to resolve instead of the pom's kafka.version
#   KAFKA_PORT           broker port for a new DIR (default: a free one)
#   KAFKA_CONTROLLER_PORT controller port for a new DIR (default: a free one)
#   KAFKA_HEAP_OPTS      default "-Xms128m -Xmx512m"
#   KAFKA_JVM_OPTS       extra JVM options
#   KAFKA_LOG_LEVEL      broker root log level, default INFO
#   KAFKA_START_TIMEOUT  seconds to wait for readiness, default 120
#   KAFKA_STOP_TIMEOUT   seconds between TERM and KILL, default 20
#
# Files in DIR: .kafka-test-broker (marker; stop refuses to delete a DIR
# without it), server.properties, log4j2.properties, ports.env, kafka.pid,
# kafka.out (broker log), data/ (KRaft metadata and topic logs).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
POM="$SCRIPT_DIR/pom.xml"
KAFKA_CACHE=${KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-service/kafka}
LIBS="$KAFKA_CACHE/libs"
MARKER=.kafka-test-broker
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-20}

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

# --- jars ------------------------------------------------------------------

cache_key() {
  [[ -f "$POM" ]] || die "$POM not found"
  { sha256sum <"$POM"; printf 'version=%s\n' "${KAFKA_VERSION:-}"; } | sha256sum | cut -d' ' -f1
}

# $KAFKA_CACHE/libs is a symlink to libs.KEY, KEY a hash of pom.xml and
# KAFKA_VERSION; libs.KEY/.stamp holds the number of jars mvn copied, so the
# dir is complete when that many are there. A new resolution goes to a new
# libs.KEY and switches the link atomically: brokers already running keep
# their own (real) classpath dir.
libs_ready() {
  local dir="$KAFKA_CACHE/libs.${1:0:16}" count jars
  [[ "$(readlink "$LIBS" 2>/dev/null)" == "libs.${1:0:16}" && -f "$dir/.stamp" ]] || return 1
  read -r count <"$dir/.stamp" || return 1
  jars=("$dir"/*.jar)
  [[ -e "${jars[0]}" && "${#jars[@]}" == "$count" ]]
}

fetch() {
  local key
  key=$(cache_key)
  libs_ready "$key" && return 0
  need java "install a JDK 17+, e.g. apt-get install -y openjdk-17-jre-headless"
  need mvn "apt-get install -y maven"
  mkdir -p "$KAFKA_CACHE"
  # Several processes may start brokers at once: one resolves, the others wait.
  local lock_fd
  exec {lock_fd}>"$KAFKA_CACHE/.lock"
  flock -w 900 "$lock_fd" || die "timed out waiting for $KAFKA_CACHE/.lock"
  if ! libs_ready "$key"; then
    local name="libs.${key:0:16}" tmp="$KAFKA_CACHE/libs.tmp.$$" t0=$SECONDS attempt
    local -a args=(-B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies "-DoutputDirectory=$tmp")
    [[ -n "${KAFKA_VERSION:-}" ]] && args+=("-Dkafka.version=$KAFKA_VERSION")
    log "resolving Kafka jars from Maven Central into $KAFKA_CACHE/$name"
    for attempt in 1 2 3; do
      rm -rf "$tmp"
      if mvn "${args[@]}" </dev/null >"$KAFKA_CACHE/mvn.log" 2>&1; then break; fi
      log "mvn failed (attempt $attempt/3); tail of $KAFKA_CACHE/mvn.log:"
      tail -n 20 "$KAFKA_CACHE/mvn.log" >&2 || true
      [[ $attempt == 3 ]] && { rm -rf "$tmp"; die "could not resolve the Kafka jars"; }
      sleep $((attempt * 5))
      # -U on retries: Maven otherwise caches a failed download and does not retry.
      [[ " ${args[*]} " == *" -U "* ]] || args+=(-U)
    done
    compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "mvn ran but no kafka_2.13 jar in $tmp"
    local -a jars=("$tmp"/*.jar)
    printf '%s\n' "${#jars[@]}" >"$tmp/.stamp"
    rm -rf "${KAFKA_CACHE:?}/$name"
    mv "$tmp" "$KAFKA_CACHE/$name"
    # A real dir left by an older layout of this cache cannot be replaced by a link.
    [[ -L "$LIBS" || ! -e "$LIBS" ]] || mv -T "$LIBS" "$KAFKA_CACHE/libs.legacy.$$"
    ln -sfn "$name" "$KAFKA_CACHE/libs.link.$$"
    mv -Tf "$KAFKA_CACHE/libs.link.$$" "$LIBS"
    # Keep the newest two resolutions (brokers started before a switch).
    local old
    while IFS= read -r old; do
      rm -rf -- "${KAFKA_CACHE:?}/$old"
    done < <(cd "$KAFKA_CACHE" && find . -maxdepth 1 -type d -name 'libs.*' ! -name 'libs.tmp.*' \
      -printf '%T@ %f\n' | sort -rn | tail -n +3 | cut -d' ' -f2)
    log "resolved ${#jars[@]} jars in $((SECONDS - t0))s"
  fi
  exec {lock_fd}>&-
}

# The resolved dir behind the libs link, for classpaths that must not move.
libs_dir() { readlink -f "$LIBS"; }

tools_log_config() {
  local f="$KAFKA_CACHE/tools-log4j2.properties"
  if [[ ! -f "$f" ]]; then
    cat >"$f.$$" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
    mv "$f.$$" "$f"
  fi
  printf '%s' "$f"
}

run_tool() {
  local cls=$1
  shift
  need java "install a JDK 17+"
  fetch
  exec java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    "-Dlog4j2.configurationFile=$(tools_log_config)" \
    -cp "$(libs_dir)/*" "$cls" "$@"
}

# alive PID: scripts/lib/proc.sh
# shellcheck source=../lib/proc.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../lib" && pwd -P)/proc.sh"

# --- ports -------------------------------------------------------------------

port_in_use() {
  # A successful connect means something listens there.
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
  if command -v ss >/dev/null 2>&1 && [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; then
    return 0
  fi
  return 1
}

# Prints a port in 20000-31999 (below Linux's ephemeral range, so outgoing
# connections do not take it) that nothing listens on and is not in "$@".
pick_port() {
  local p i x taken
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    taken=0
    for x in "$@"; do [[ "$x" == "$p" ]] && taken=1; done
    ((taken)) && continue
    port_in_use "$p" || { printf '%s' "$p"; return 0; }
  done
  die "no free port found"
}

wait_port() { # port timeout_seconds pid
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    alive "$3" || return 1
    port_in_use "$1" && return 0
    sleep 0.2
  done
  return 1
}

# --- broker -------------------------------------------------------------------

# True when $1 is a live process whose command line names $2 (our config file):
# a recycled PID belonging to something else is never signalled.
is_our_broker() {
  local pid=$1 conf=$2
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$conf"
}

recorded_pid() {
  if [[ -f "$1/kafka.pid" ]]; then cat "$1/kafka.pid"; fi
}

write_config() { # dir port controller_port
  local dir=$1 port=$2 cport=$3
  cat >"$dir/server.properties" <<EOF
# Written by scripts/kafka/kafka.sh: single-node KRaft broker for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$dir/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
# After a hard kill (stop --kill) the controller keeps the dead broker's
# registration until its session times out (default 9 s); restart sooner.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = error
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${KAFKA_LOG_LEVEL:-INFO}
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOF
  printf 'KAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\n' "$port" "$cport" >"$dir/ports.env"
}

format_storage() { # dir
  local dir=$1 cluster_id
  # A KRaft cluster id is 16 random bytes in URL-safe base64 without padding.
  # One starting with "-" reads as an option to kafka-storage's argument parser ("expected
  # one argument", 1 start in 64): draw again.
  cluster_id=-
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
  if ! java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    "-Dlog4j2.configurationFile=$(tools_log_config)" \
    -cp "$(libs_dir)/*" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/server.properties" </dev/null >"$dir/format.out" 2>&1; then
    cat "$dir/format.out" >&2
    return 1
  fi
}

launch() { # dir -> sets BROKER_PID
  local dir=$1
  local -a heap jvm
  read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
  read -r -a jvm <<<"${KAFKA_JVM_OPTS:-}"
  printf '\n===== start %s =====\n' "$(date '+%F %T')" >>"$dir/kafka.out"
  # setsid: a Ctrl-C in the terminal does not reach the broker; whoever started
  # it stops it through `kafka.sh stop`. All of its fds are redirected so a
  # caller reading our stdout (e.g. $(kafka.sh start), execFile) is not held open.
  setsid java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "-Dkafka.logs.dir=$dir/logs" \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
    ${jvm[@]+"${jvm[@]}"} -cp "$(libs_dir)/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/kafka.out" 2>&1 &
  BROKER_PID=$!
  printf '%s\n' "$BROKER_PID" >"$dir/kafka.pid"
}

# Waits for "Kafka Server started" (logged after the broker is registered and
# unfenced) in the current run's log and for the port to accept connections.
wait_ready() { # dir port pid log_offset
  local dir=$1 port=$2 pid=$3 offset=$4 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    alive "$pid" || return 1
    # (grep reads a process substitution: with pipefail, `tail | grep -q` may
    # fail through SIGPIPE even when grep matched)
    if grep -q 'Kafka Server started' <(tail -c +"$((offset + 1))" "$dir/kafka.out"); then
      wait_port "$port" $((deadline - SECONDS > 0 ? deadline - SECONDS : 1)) "$pid"
      return
    fi
    sleep 0.2
  done
  return 1
}

kill_pid() { # pid conf timeout immediate
  local pid=$1 conf=$2 timeout=$3 immediate=$4 deadline
  is_our_broker "$pid" "$conf" || return 0
  if [[ "$immediate" == 1 ]]; then
    kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + timeout))
    while is_our_broker "$pid" "$conf" && ((SECONDS < deadline)); do sleep 0.2; done
    if is_our_broker "$pid" "$conf"; then
      log "broker $pid did not stop within ${timeout}s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  deadline=$((SECONDS + 10))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  # Reap it if it is our child (it is not when started by another kafka.sh).
  wait "$pid" 2>/dev/null || true
}

abort_start() {
  trap '' INT TERM HUP
  log "interrupted; stopping the broker being started"
  # $! covers a signal between `java &` and BROKER_PID=$!; kill_pid only
  # signals a process running with this dir's server.properties.
  local pid=${BROKER_PID:-${!:-}}
  if [[ -n "$pid" ]]; then kill_pid "$pid" "$1/server.properties" 5 0; fi
  rm -f "$1/kafka.pid"
  exit 130
}

start() {
  local dir=${1:-} fresh=0 port cport attempt offset t0=$SECONDS
  if [[ -z "$dir" ]]; then
    dir=$(mktemp -d "${TEST_ENV_DIR:-${TMPDIR:-/tmp}}/kafka-test.XXXXXX")
  fi
  mkdir -p "$dir"
  dir=$(cd -- "$dir" && pwd -P)
  if [[ -f "$dir/$MARKER" && -f "$dir/ports.env" && -f "$dir/server.properties" ]]; then
    local pid
    pid=$(recorded_pid "$dir")
    if [[ -n "$pid" ]] && is_our_broker "$pid" "$dir/server.properties"; then
      die "a broker (pid $pid) is already running in $dir"
    fi
  elif [[ -z "$(ls -A "$dir")" ]]; then
    fresh=1
    : >"$dir/$MARKER"
  else
    die "$dir is neither empty nor a stopped kafka.sh broker dir"
  fi

  fetch
  need java "install a JDK 17+"

  # Interrupted before the broker is ready: do not leave it running.
  BROKER_PID=""
  trap 'abort_start "$dir"' INT TERM HUP

  for attempt in 1 2 3; do
    if ((fresh)); then
      port=${KAFKA_PORT:-$(pick_port)}
      cport=${KAFKA_CONTROLLER_PORT:-$(pick_port "$port")}
      rm -rf "$dir/data"
      write_config "$dir" "$port" "$cport"
      format_storage "$dir" || die "storage format failed in $dir"
    else
      # shellcheck disable=SC1091
      port=$(. "$dir/ports.env" && printf '%s' "$KAFKA_PORT")
      # shellcheck disable=SC1091
      cport=$(. "$dir/ports.env" && printf '%s' "$KAFKA_CONTROLLER_PORT")
      port_in_use "$port" && die "port $port (from $dir) is taken by another process"
      port_in_use "$cport" && die "controller port $cport (from $dir) is taken by another process"
    fi
    touch "$dir/kafka.out"
    offset=$(stat -c %s "$dir/kafka.out")
    launch "$dir"
    if wait_ready "$dir" "$port" "$BROKER_PID" "$offset"; then
      log "broker pid $BROKER_PID ready on 127.0.0.1:$port in $((SECONDS - t0))s (dir $dir)"
      trap - INT TERM HUP
      printf 'KAFKA_BROKERS=127.0.0.1:%s\nKAFKA_DIR=%s\nKAFKA_PID=%s\n' "$port" "$dir" "$BROKER_PID"
      return 0
    fi
    local bind_error=0
    grep -qiE 'address already in use|BindException' <(tail -c +"$((offset + 1))" "$dir/kafka.out") && bind_error=1
    kill_pid "$BROKER_PID" "$dir/server.properties" 5 0
    rm -f "$dir/kafka.pid"
    if ((fresh && bind_error)) && [[ -z "${KAFKA_PORT:-}${KAFKA_CONTROLLER_PORT:-}" ]]; then
      log "port clash on start (attempt $attempt/3); retrying on other ports"
      continue
    fi
    log "broker did not become ready; last lines of $dir/kafka.out:"
    tail -c +"$((offset + 1))" "$dir/kafka.out" | tail -n 40 >&2 || true
    die "Kafka failed to start"
  done
  die "Kafka failed to start after 3 attempts"
}

stop() {
  local keep=0 immediate=0 dir=""
  while (($#)); do
    case $1 in
      --keep | --keep-data) keep=1 ;;
      --kill) immediate=1 ;;
      -*) die "unknown option $1" ;;
      *) dir=$1 ;;
    esac
    shift
  done
  [[ -n "$dir" ]] || die "usage: kafka.sh stop [--keep] [--kill] DIR"
  [[ -d "$dir" ]] || { log "$dir does not exist; nothing to stop"; return 0; }
  dir=$(cd -- "$dir" && pwd -P)
  [[ -f "$dir/$MARKER" ]] || die "$dir was not created by kafka.sh (no $MARKER); refusing"
  local pid
  pid=$(recorded_pid "$dir")
  if [[ -n "$pid" ]]; then
    if is_our_broker "$pid" "$dir/server.properties"; then
      log "stopping broker pid $pid ($dir)"
      kill_pid "$pid" "$dir/server.properties" "$STOP_TIMEOUT" "$immediate"
    fi
    rm -f "$dir/kafka.pid"
  fi
  if ((keep)); then
    log "kept $dir; 'kafka.sh start $dir' restarts the same broker"
  else
    rm -rf -- "$dir"
  fi
}

status() {
  local dir=${1:?usage: kafka.sh status DIR} pid port
  pid=$(recorded_pid "$dir")
  if [[ -n "$pid" ]] && is_our_broker "$pid" "$dir/server.properties"; then
    # shellcheck disable=SC1091
    port=$(. "$dir/ports.env" && printf '%s' "$KAFKA_PORT")
    printf 'KAFKA_BROKERS=127.0.0.1:%s\nKAFKA_PID=%s\n' "$port" "$pid"
    return 0
  fi
  return 1
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  fetch)
    fetch
    printf '%s\n' "$LIBS"
    ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  tool) [[ $# -ge 1 ]] || usage; run_tool "$@" ;;
  *) usage ;;
esac
