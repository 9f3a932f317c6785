import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { tracingDefaults, tracingRequested } from './tracing-switch.js';

const REGISTER = new URL('./register.js', import.meta.url).pathname;

/** The tracer provider behind the API's global in a fresh `node --import register.js` with `env`. */
function providerWith(env: Record<string, string>): string {
  const probe = `const api = await import('@opentelemetry/api');
    process.stdout.write(api.trace.getTracerProvider().getDelegate().constructor.name);
    process.exit(0);`;
  const result = spawnSync(process.execPath, ['--import', REGISTER, '--input-type=module', '-e', probe], {
    // The repository root (this file runs from dist/src/tracing/): `-e` resolves packages from the cwd.
    cwd: new URL('../../../', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('tracing switch', () => {
  it('turns tracing on with an OTLP endpoint only, and off with OTEL_SDK_DISABLED or no exporter', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), false);
    assert.equal(tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.equal(tracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }), false);
    assert.equal(tracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'false' }), true);
    assert.equal(tracingRequested({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), false);
  });

  it('defaults the service name and keeps OTLP metrics and logs off unless their variables say otherwise', () => {
    assert.deepEqual(tracingDefaults({}), {
      OTEL_SERVICE_NAME: 'user-service',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
    assert.deepEqual(
      tracingDefaults({ OTEL_SERVICE_NAME: 'users-eu', OTEL_METRICS_EXPORTER: 'otlp', OTEL_LOGS_EXPORTER: 'otlp' }),
      {},
    );
    assert.deepEqual(tracingDefaults({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=users' }), {
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    });
  });

  it('the bootstrap loads no SDK without an endpoint, and registers one with it', () => {
    assert.equal(providerWith({}), 'NoopTracerProvider');
    assert.equal(
      providerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' }),
      'NoopTracerProvider',
    );
    // The SDK's provider (its class name varies with the SDK version): anything but the no-op.
    const on = providerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    assert.match(on, /TracerProvider$/);
    assert.notEqual(on, 'NoopTracerProvider');
  });
});
