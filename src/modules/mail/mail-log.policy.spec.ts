import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linksHidden } from './mail-log.policy.js';

describe('mail log policy', () => {
  it('keeps the path of a link and hides its query and fragment', () => {
    const token = 'Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbg';
    const text = `Open the link:\n\nhttp://localhost:8000/reset-password?token=${token}\n\nor https://x.example/verify-email#t=${token}.`;
    const hidden = linksHidden(text);
    assert.ok(!hidden.includes(token), hidden);
    assert.match(hidden, /http:\/\/localhost:8000\/reset-password\?\[hidden: LOG_MAIL_LINKS=true shows it\]\n/);
    assert.match(hidden, /https:\/\/x\.example\/verify-email\?\[hidden/);
    assert.match(hidden, /^Open the link:/);
  });

  it('leaves links without a query as they are', () => {
    assert.equal(linksHidden('See https://example.com/help now'), 'See https://example.com/help now');
  });
});
