#!/usr/bin/env bash
# bench/keycloak/fetch.sh: the Keycloak server for `npm run bench:keycloak`, resolved from
# Maven Central (org.keycloak:keycloak-quarkus-dist, see pom.xml here) and unpacked into
# $KEYCLOAK_CACHE, then built once for PostgreSQL (`kc.sh build`), so that every start in
# the benchmark is `kc.sh start --optimized` and no start pays for a re-augmentation.
#
# Prints two lines on stdout, in a form `eval` accepts:
#   KEYCLOAK_HOME=/abs/path/keycloak-26.7.3
#   KEYCLOAK_JAVA_HOME=/abs/path/of/a/jdk-or-jre-21+
# A second run finds both in the cache and takes milliseconds.
#
# Environment (all optional)
#   KEYCLOAK_CACHE      default ${XDG_CACHE_HOME:-$HOME/.cache}/user-service/keycloak
#   KEYCLOAK_VERSION    instead of the pom's keycloak.version (26.7.3)
#   KEYCLOAK_JAVA_HOME  a Java 21+ home; otherwise JAVA_HOME, `java` on PATH, then
#                       /usr/lib/jvm/* are tried, and apt-get installs
#                       openjdk-21-jre-headless when none is 21+ and apt has it.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
POM="$SCRIPT_DIR/pom.xml"
KEYCLOAK_CACHE=${KEYCLOAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/user-service/keycloak}
VERSION=${KEYCLOAK_VERSION:-$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$POM")}
# The build-time options every start relies on (`kc.sh start --optimized` refuses others).
BUILD_OPTS=(--db=postgres --health-enabled=true --cache=local)

log() { printf '[keycloak] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

java_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  printf '%s' "${v%%.*}"
}

find_java() {
  local c
  local -a candidates=()
  [[ -n "${KEYCLOAK_JAVA_HOME:-}" ]] && candidates+=("$KEYCLOAK_JAVA_HOME")
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for c in /usr/lib/jvm/*/; do candidates+=("${c%/}"); done
  for c in "${candidates[@]}"; do
    [[ -x "$c/bin/java" ]] || continue
    if (($(java_major "$c") >= 21)); then
      printf '%s' "$c"
      return 0
    fi
  done
  return 1
}

JAVA21=$(find_java || true)
if [[ -z "$JAVA21" ]]; then
  log "no Java 21+ found; trying apt-get install openjdk-21-jre-headless"
  if command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-21-jre-headless; } >&2 || true
  fi
  JAVA21=$(find_java) || die "Keycloak $VERSION needs Java 21+: set KEYCLOAK_JAVA_HOME"
fi

HOME_DIR="$KEYCLOAK_CACHE/keycloak-$VERSION"
STAMP="$HOME_DIR/.bench-built"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "${BUILD_OPTS[*]}" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install -y maven)"
  mkdir -p "$KEYCLOAK_CACHE"
  exec {lock_fd}>"$KEYCLOAK_CACHE/.lock"
  flock -w 900 "$lock_fd" || die "timed out waiting for $KEYCLOAK_CACHE/.lock"
  if [[ ! -x "$HOME_DIR/bin/kc.sh" ]]; then
    tmp="$KEYCLOAK_CACHE/unpack.tmp.$$"
    rm -rf "$tmp" "$tmp.markers"
    log "resolving org.keycloak:keycloak-quarkus-dist:$VERSION:zip from Maven Central"
    mvn -B -q -Dstyle.color=never -f "$POM" "-Dkeycloak.version=$VERSION" dependency:unpack \
      "-DoutputDirectory=$tmp" "-Dmarkers.directory=$tmp.markers" </dev/null >"$KEYCLOAK_CACHE/mvn.log" 2>&1 ||
      { tail -n 20 "$KEYCLOAK_CACHE/mvn.log" >&2; rm -rf "$tmp"; die "could not resolve Keycloak $VERSION"; }
    [[ -x "$tmp/keycloak-$VERSION/bin/kc.sh" ]] || die "no keycloak-$VERSION/bin/kc.sh in the unpacked zip"
    rm -rf "$HOME_DIR"
    mv "$tmp/keycloak-$VERSION" "$HOME_DIR"
    rm -rf "$tmp" "$tmp.markers"
  fi
  log "building Keycloak for ${BUILD_OPTS[*]} (once)"
  JAVA_HOME=$JAVA21 "$HOME_DIR/bin/kc.sh" build "${BUILD_OPTS[@]}" >"$KEYCLOAK_CACHE/build.log" 2>&1 ||
    { tail -n 20 "$KEYCLOAK_CACHE/build.log" >&2; die "kc.sh build failed"; }
  printf '%s' "${BUILD_OPTS[*]}" >"$STAMP"
  exec {lock_fd}>&-
fi

printf 'KEYCLOAK_HOME=%s\nKEYCLOAK_JAVA_HOME=%s\n' "$HOME_DIR" "$JAVA21"
