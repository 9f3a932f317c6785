/**
 * Loaded before the service with `node --import ./dist/src/tracing/register.js` (npm start,
 * the image's CMD): ESM instrumentation has to hook the module loader before the app's
 * modules are imported. With no OTLP endpoint configured it returns at once and loads
 * nothing else (src/tracing/tracing-switch.ts).
 */
import { tracingDefaults, tracingRequested } from './tracing-switch.js';

// The bootstrap reads the standard OTEL_* variables itself: it runs before src/config exists.
if (tracingRequested(process.env)) {
  Object.assign(process.env, tracingDefaults(process.env));
  const { startTracing } = await import('./sdk.js');
  await startTracing();
}
