import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '#src/config/app-config.js';
import { TEMPLATES, type Page } from './page.js';
import { PageRenderer } from './page-renderer.service.js';

const EVIL = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;

/** Every field any template reads, each holding markup. */
const HOSTILE_DATA = {
  action: EVIL,
  secondFactorAction: EVIL,
  clientName: EVIL,
  identifier: EVIL,
  csrf: EVIL,
  mfaToken: EVIL,
  token: EVIL,
  policyHint: EVIL,
  message: EVIL,
  status: 400,
  requestId: EVIL,
  link: { href: EVIL, text: EVIL },
  scopes: [{ name: EVIL, description: EVIL }],
  codes: [EVIL],
  qrDataUri: EVIL,
  secret: EVIL,
  user: { email: EVIL, name: EVIL, username: EVIL, isVerified: false, mfaEnabled: true },
  sessions: [
    {
      id: EVIL,
      created_at: '2026-01-01T00:00:00.000Z',
      ip_address: EVIL,
      user_agent: EVIL,
      current: false,
    },
  ],
};

describe('PageRenderer', () => {
  const renderer = new PageRenderer({ http: { publicUrl: 'https://id.example.com' } } as AppConfig);

  it('escapes whatever the data holds, in every template (no tag or attribute break-out)', () => {
    const names = Object.keys(TEMPLATES).filter((n) => n !== 'layout') as Page['template'][];
    assert.ok(names.length >= 10);
    for (const template of names) {
      const html = renderer.render({
        status: 200,
        template,
        title: EVIL,
        notice: EVIL,
        errors: [{ message: EVIL, field: EVIL }],
        data: HOSTILE_DATA,
      });
      assert.doesNotMatch(html, /<script/i, template);
      assert.doesNotMatch(html, /<img src=x/i, template);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, template);
      assert.match(html, /^<!doctype html>\n<html lang="en">/, template);
    }
  });

  it('makes cookies Secure when PUBLIC_URL is https only', () => {
    assert.equal(renderer.secureCookies, true);
    assert.equal(new PageRenderer({ http: { publicUrl: 'http://localhost:8000' } } as AppConfig).secureCookies, false);
  });
});
