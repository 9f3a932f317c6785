import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

const ROOT = new URL('../../..', import.meta.url).pathname;
/** The lint takes about 40 s on 2 cores; a first run also installs the two CLIs. */
const DEADLINE_MS = 240_000;

/**
 * The served OpenAPI document as client teams' tools see it (scripts/contract/lint.sh):
 * @redocly/cli's recommended ruleset and Spectral's spectral:oas, 0 errors and 0 warnings.
 */
describe('OpenAPI contract lint (redocly, spectral)', () => {
  it('reports no error and no warning on the served document', async (ctx) => {
    const started = Date.now();
    const child = spawn('bash', ['scripts/contract/lint.sh'], {
      cwd: ROOT,
      env: process.env, // npm test has just built dist/
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), DEADLINE_MS);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    ctx.diagnostic(`${Math.round((Date.now() - started) / 1000)} s`);
    assert.equal(code, 0, `scripts/contract/lint.sh failed (exit ${code}):\n${output.slice(-20_000)}`);
  });
});
