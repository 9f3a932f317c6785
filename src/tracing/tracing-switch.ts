/**
 * Whether the OpenTelemetry SDK is loaded at all, from the standard variables only: an
 * OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns
 * tracing on, OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none keeps it off. Off means the
 * SDK and its instrumentations are never imported: the service runs as if they did not exist.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Defaults applied to the environment before the SDK reads it: the service name, and no
 * OTLP metrics or logs (metrics are Prometheus on METRICS_PORT, logs are JSON on stdout);
 * each stays overridable by its own OTEL_* variable.
 */
export function tracingDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  const defaults: Record<string, string> = {};
  const namedByAttributes = /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  if (!isSet(env.OTEL_SERVICE_NAME) && !namedByAttributes) defaults.OTEL_SERVICE_NAME = 'user-service';
  if (!isSet(env.OTEL_METRICS_EXPORTER)) defaults.OTEL_METRICS_EXPORTER = 'none';
  if (!isSet(env.OTEL_LOGS_EXPORTER)) defaults.OTEL_LOGS_EXPORTER = 'none';
  return defaults;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
