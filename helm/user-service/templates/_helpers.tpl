{{/* vim: set filetype=mustache: */}}

{{- define "user-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart name>, or the release name alone when it already contains
the chart name. Truncated to 63 characters (DNS label).
*/}}
{{- define "user-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "user-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object. */}}
{{- define "user-service.labels" -}}
helm.sh/chart: {{ include "user-service.chart" . }}
app.kubernetes.io/name: {{ include "user-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: user-service
{{- end }}

{{/* Selector of the serving pods. The component label keeps migration pods out of the
Service, the PodDisruptionBudget and the HPA. */}}
{{- define "user-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "user-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "user-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "user-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "user-service.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}
{{- end }}

{{/* The variables that must never sit in the ConfigMap. */}}
{{- define "user-service.secretKeys" -}}
DATABASE_URL REDIS_URL JWT_PRIVATE_KEY JWT_PUBLIC_KEY JWT_PREVIOUS_PUBLIC_KEYS JWT_SECRET DATA_ENCRYPTION_KEYS ALLOWED_API_TOKENS ADMIN_PASSWORD SMTP_URL MFA_ENCRYPTION_KEY COOKIE_SECRET
{{- end }}

{{/* Variables the chart sets itself. */}}
{{- define "user-service.chartKeys" -}}
PORT METRICS_PORT RUN_MIGRATIONS
{{- end }}

{{/*
Non-secret environment as a YAML map (empty values dropped, everything a string).
Fails on a secret or chart-owned variable placed in .Values.config.
*/}}
{{- define "user-service.configData" -}}
{{- $secretKeys := splitList " " (include "user-service.secretKeys" .) }}
{{- $chartKeys := splitList " " (include "user-service.chartKeys" .) }}
{{- range $k, $v := .Values.config }}
{{- if has $k $secretKeys }}
{{- fail (printf "config.%s is a secret: set it under secretEnv (or in existingSecret) instead" $k) }}
{{- end }}
{{- if has $k $chartKeys }}
{{- fail (printf "config.%s is set by the chart (see containerPort / metricsPort / migrations.enabled)" $k) }}
{{- end }}
{{- if not (kindIs "invalid" $v) }}
{{- if ne (toString $v) "" }}
{{ $k }}: {{ toString $v | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Secret environment as a YAML map of base64 values (empty values dropped). */}}
{{- define "user-service.secretData" -}}
{{- $secretKeys := splitList " " (include "user-service.secretKeys" .) }}
{{- range $k, $v := .Values.secretEnv }}
{{- if not (has $k $secretKeys) }}
{{- fail (printf "secretEnv.%s is not a secret variable of the service; known: %s" $k (join ", " $secretKeys)) }}
{{- end }}
{{- if and (not (kindIs "invalid" $v)) (ne (toString $v) "") }}
{{ $k }}: {{ toString $v | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the Secret the pods load. */}}
{{- define "user-service.secretName" -}}
{{- default (include "user-service.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* Seconds the service may take to stop, checked against the grace period. */}}
{{- define "user-service.checkGracePeriod" -}}
{{- $shutdownMs := 10000 }}
{{- if and (hasKey .Values.config "SHUTDOWN_TIMEOUT_MS") (ne (toString (index .Values.config "SHUTDOWN_TIMEOUT_MS")) "") }}
{{- $shutdownMs = int (toString (index .Values.config "SHUTDOWN_TIMEOUT_MS")) }}
{{- end }}
{{- $needed := add (int .Values.lifecycle.preStopSleepSeconds) (div (add $shutdownMs 999) 1000) }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds + SHUTDOWN_TIMEOUT_MS/1000 (%d): the pod would be killed mid-shutdown" (int .Values.terminationGracePeriodSeconds) (int $needed)) }}
{{- end }}
{{- end }}

{{/* Pod-level security context (shared by the Deployment and the migration Job). */}}
{{- define "user-service.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{/* Label matchers selecting this release's metrics in Prometheus. */}}
{{- define "user-service.promSelector" -}}
{{- if .Values.prometheusRule.selector -}}
{{ .Values.prometheusRule.selector }}
{{- else -}}
job="{{ include "user-service.fullname" . }}-metrics",namespace="{{ .Release.Namespace }}"
{{- end }}
{{- end }}

{{/* Name of the Service that exposes only the metrics port (the ServiceMonitor's target). */}}
{{- define "user-service.metricsServiceName" -}}
{{- printf "%s-metrics" (include "user-service.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/* The metrics listener may not share the API port: the API Service would then route it. */}}
{{- define "user-service.checkPorts" -}}
{{- if eq (int .Values.metricsPort) (int .Values.containerPort) }}
{{- fail (printf "metricsPort (%d) must differ from containerPort: metrics are never served on the API port" (int .Values.metricsPort)) }}
{{- end }}
{{- end }}
