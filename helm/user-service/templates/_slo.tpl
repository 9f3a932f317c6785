{{/*
SLO rules for one SLI pair (availability and latency of one kind of request): recording
rules for the error and slow ratios over the burn-rate windows, and multi-window
multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", 30-day budget):
  page   (critical): 14.4x over 1h and 5m  (2 % of the budget in an hour)
                  or 6x   over 6h and 30m (5 % in six hours)
  ticket (warning):  3x   over 1d and 2h  (10 % in a day)
                  or 1x   over 3d and 6h  (10 % in three days)
Every alert also needs a traffic floor: at least minRequestsPerSecond over the last hour,
so that one failed request among three on a quiet night does not page.
Argument: dict with root, key (login|reads), title, match (label matchers of the SLI's
requests, after the release selector), slo (the values block).
*/}}
{{- define "user-service.sloRules" -}}
{{- $root := .root }}
{{- $sel := include "user-service.promSelector" $root }}
{{- $m := printf "%s,%s" $sel .match }}
{{- $k := .key }}
{{- $slo := .slo }}
{{- $errBudget := printf "(1 - %v)" $slo.availability }}
{{- $slowBudget := printf "(1 - %v)" $slo.latency.objective }}
{{- $le := $slo.latency.thresholdSeconds }}
{{- $by := "sum by (namespace, job)" }}
{{- range $w := list "5m" "30m" "1h" "2h" "6h" "1d" "3d" }}
- record: user_service_slo:{{ $k }}_errors:ratio_rate{{ $w }}
  expr: |
    {{ $by }} (rate(http_request_duration_seconds_count{ {{- $m -}} ,status_code=~"5.."}[{{ $w }}]))
      / {{ $by }} (rate(http_request_duration_seconds_count{ {{- $m -}} }[{{ $w }}]))
- record: user_service_slo:{{ $k }}_slow:ratio_rate{{ $w }}
  expr: |
    1 - (
      {{ $by }} (rate(http_request_duration_seconds_bucket{ {{- $m -}} ,le="{{ $le }}"}[{{ $w }}]))
        / {{ $by }} (rate(http_request_duration_seconds_count{ {{- $m -}} }[{{ $w }}]))
    )
{{- end }}
- record: user_service_slo:{{ $k }}_requests:rate1h
  expr: {{ $by }} (rate(http_request_duration_seconds_count{ {{- $m -}} }[1h]))
{{- range $sli := list (dict "kind" "errors" "name" "Availability" "budget" $errBudget "what" (printf "5xx share (objective: %v of requests without 5xx)" $slo.availability) "section" "availability")
                        (dict "kind" "slow" "name" "Latency" "budget" $slowBudget "what" (printf "share of requests slower than %ss (objective: %v of requests faster)" $le $slo.latency.objective) "section" "latency") }}
{{- $r := printf "user_service_slo:%s_%s:ratio_rate" $k $sli.kind }}
{{- $floor := printf "user_service_slo:%s_requests:rate1h > %v" $k $slo.minRequestsPerSecond }}
{{- $runbook := printf "%s#slo-%s-%s" (default "docs/operations.md" $root.Values.prometheusRule.slo.runbookBaseUrl) $k $sli.section }}
- alert: {{ $.title }}{{ $sli.name }}BudgetBurnFast
  expr: |
    (
      ({{ $r }}1h > 14.4 * {{ $sli.budget }} and {{ $r }}5m > 14.4 * {{ $sli.budget }})
      or
      ({{ $r }}6h > 6 * {{ $sli.budget }} and {{ $r }}30m > 6 * {{ $sli.budget }})
    )
    and {{ $floor }}
  for: 2m
  labels:
    severity: critical
    slo: {{ $k }}-{{ $sli.section }}
    {{- with $root.Values.prometheusRule.alertLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    summary: "{{ $.title }} {{ lower $sli.name }} SLO: error budget burning fast"
    description: "{{ $sli.what }}: {{`{{ $value | humanizePercentage }}`}} of requests in the long window; at this rate the 30-day budget is gone in under 3 days."
    runbook_url: {{ $runbook | quote }}
- alert: {{ $.title }}{{ $sli.name }}BudgetBurnSlow
  expr: |
    (
      ({{ $r }}1d > 3 * {{ $sli.budget }} and {{ $r }}2h > 3 * {{ $sli.budget }})
      or
      ({{ $r }}3d > {{ $sli.budget }} and {{ $r }}6h > {{ $sli.budget }})
    )
    and {{ $floor }}
  for: 15m
  labels:
    severity: warning
    slo: {{ $k }}-{{ $sli.section }}
    {{- with $root.Values.prometheusRule.alertLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    summary: "{{ $.title }} {{ lower $sli.name }} SLO: error budget burning"
    description: "{{ $sli.what }}: {{`{{ $value | humanizePercentage }}`}} of requests in the long window; the 30-day budget will not last the month."
    runbook_url: {{ $runbook | quote }}
{{- end }}
{{- end }}
