#!/usr/bin/env bash
# scripts/relying-parties/tools.sh: the relying parties and the browser the OpenID Connect
# tests drive (issue 17 item 5), installed OUTSIDE the work tree, pinned and idempotent
# (each step is skipped when its result is already there):
#
#   chromium      Debian's package `chromium` (+ fonts-liberation, so screenshots have text),
#                 `apt-get install` through scripts/test-env/services.sh when missing; driven
#                 by puppeteer-core (an npm dev dependency that downloads no browser)
#   oauth2-proxy  github.com/oauth2-proxy/oauth2-proxy/v7@$OAUTH2_PROXY_VERSION, built with
#                 `go install` from the Go module proxy into $CACHE/bin (~4-5 min cold on
#                 2 shared cores; docs/decisions.md "Relying-party and browser tests")
#   authlib       a Python venv, $RP_VENV (default $CACHE/venv-authlib), with the pinned
#                 authlib and requests from PyPI (scripts/relying-parties/authlib_client.py)
#
# Prints, on stdout, one KEY=VALUE line per tool (logs go to stderr, prefixed [rp-tools]):
#   RP_CHROMIUM_BIN=/usr/bin/chromium
#   RP_OAUTH2_PROXY_BIN=$CACHE/bin/oauth2-proxy
#   RP_AUTHLIB_PYTHON=$RP_VENV/bin/python
# Arguments name the tools wanted (chromium, oauth2-proxy, authlib); none: all three.
# Concurrent runs (two test files at once) wait for each other on a lock in $CACHE.
#
# Cache root: USER_SERVICE_CACHE (default ~/.cache/user-service); Go's module and build
# caches are Go's own (GOMODCACHE, GOCACHE).
set -euo pipefail

OAUTH2_PROXY_VERSION=${OAUTH2_PROXY_VERSION:-v7.15.6}
# Both pinned: authlib's OAuth2Session is built on requests.
PY_DEPS=(authlib==1.9.6 requests==2.34.2)
CACHE=${USER_SERVICE_CACHE:-$HOME/.cache/user-service}
BIN="$CACHE/bin"
RP_VENV=${RP_VENV:-$CACHE/venv-authlib}
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SERVICES="$HERE/../test-env/services.sh"

log() { printf '[rp-tools] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

wanted=("$@")
((${#wanted[@]})) || wanted=(chromium oauth2-proxy authlib)

mkdir -p "$BIN"
exec 9>"$CACHE/.relying-parties.lock"
flock 9

chromium_bin() {
  local b
  for b in "${CHROMIUM_BIN:-}" "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium; do
    [[ -n "$b" && -x "$b" ]] && { printf '%s' "$b"; return 0; }
  done
  return 1
}

tool_chromium() {
  if ! chromium_bin >/dev/null; then
    bash "$SERVICES" install chromium || die "could not install chromium"
  fi
  printf 'RP_CHROMIUM_BIN=%s\n' "$(chromium_bin || die 'no chromium after the install')"
}

tool_oauth2_proxy() {
  local bin="$BIN/oauth2-proxy" t0=$SECONDS
  if [[ -x "$bin" && "$("$bin" --version 2>/dev/null | awk '{print $2}')" == "$OAUTH2_PROXY_VERSION" ]]; then
    log "oauth2-proxy $OAUTH2_PROXY_VERSION present"
  else
    command -v go >/dev/null || die "go (>= 1.24) is needed to build oauth2-proxy"
    log "building oauth2-proxy $OAUTH2_PROXY_VERSION (go install; minutes when cold)"
    CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath" GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOBIN="$BIN" \
      go install -ldflags "-s -w -X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$OAUTH2_PROXY_VERSION" \
      "github.com/oauth2-proxy/oauth2-proxy/v7@$OAUTH2_PROXY_VERSION" >&2
    log "oauth2-proxy built in $((SECONDS - t0))s"
  fi
  printf 'RP_OAUTH2_PROXY_BIN=%s\n' "$bin"
}

tool_authlib() {
  local stamp="$RP_VENV/.user-service-deps"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "${PY_DEPS[*]}" ]]; then
    command -v python3 >/dev/null || die "python3 is needed for the authlib client"
    log "installing ${PY_DEPS[*]} into $RP_VENV"
    mkdir -p "$(dirname -- "$RP_VENV")"
    [[ -x "$RP_VENV/bin/pip" ]] || python3 -m venv "$RP_VENV"
    "$RP_VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_DEPS[@]}" >&2
    printf '%s' "${PY_DEPS[*]}" >"$stamp"
  fi
  printf 'RP_AUTHLIB_PYTHON=%s\n' "$RP_VENV/bin/python"
}

for tool in "${wanted[@]}"; do
  case $tool in
    chromium) tool_chromium ;;
    oauth2-proxy) tool_oauth2_proxy ;;
    authlib) tool_authlib ;;
    *) die "unknown tool $tool (chromium, oauth2-proxy, authlib)" ;;
  esac
done
