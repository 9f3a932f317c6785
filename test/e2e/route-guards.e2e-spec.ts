import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { IS_PUBLIC, ROLES, SERVICE_TOKEN } from '#src/common/decorators/auth.decorators.js';
import { startTestApp, type TestApp } from '../utils/app.js';

describe('every route declares who may call it', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('has @Public(), a role decorator or a service-token decorator on each handler', () => {
    const app = t.running.app;
    const discovery = new DiscoveryService(app.get(ModulesContainer));
    const scanner = new MetadataScanner();
    const reflector = app.get(Reflector);
    const undeclared: string[] = [];
    let routes = 0;
    for (const wrapper of discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      if (instance === undefined) continue;
      const proto = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
      for (const name of scanner.getAllMethodNames(proto)) {
        const handler = proto[name];
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        routes += 1;
        const targets = [handler, instance.constructor];
        const declared =
          reflector.getAllAndOverride(IS_PUBLIC, targets) === true ||
          reflector.getAllAndOverride(ROLES, targets) !== undefined ||
          reflector.getAllAndOverride(SERVICE_TOKEN, targets) !== undefined;
        if (!declared)
          undeclared.push(
            `${instance.constructor.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
          );
      }
    }
    assert.ok(routes >= 30, `found ${routes} routes`);
    assert.deepEqual(undeclared, []);
  });

  it('refuses every non-public route without a token', async () => {
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const open = new Set([
      '/health',
      '/health/liveness',
      '/health/readiness',
      '/stats',
      '/.well-known/jwks.json',
      '/users',
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/login/mfa',
      '/api/v1/auth/refresh',
      '/api/v1/auth/password/forgot',
      '/api/v1/auth/password/reset',
      '/api/v1/auth/email/verify',
    ]);
    // Public reads whose writes need a token (badges and goals).
    const openReads = new Set(['/api/v1/users/{id}/badges', '/api/v1/users/{id}/goals']);
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (open.has(path) && !(path === '/users' && method !== 'post')) continue;
        if (openReads.has(path) && method === 'get') continue;
        const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await fetch(`${t.url}${concrete}`, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        assert.equal(res.status, 401, `${method.toUpperCase()} ${path}`);
        checked += 1;
      }
    }
    assert.ok(checked >= 20, `checked ${checked}`);
  });
});
