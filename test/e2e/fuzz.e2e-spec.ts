import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

const ROOT = new URL('../../..', import.meta.url).pathname;
/** Bounded: the CI run is about a minute and a half on 2 cores; a first run also installs Schemathesis. */
const DEADLINE_MS = 280_000;

/**
 * Schemathesis over the OpenAPI document of the running service, as a user and as an admin
 * (scripts/fuzz/run.sh, docs/fuzzing.md): no 5xx, every answer as documented.
 */
describe('API fuzzing (Schemathesis)', () => {
  it('finds no server error and no answer the OpenAPI document does not describe', async (ctx) => {
    const started = Date.now();
    const child = spawn('bash', ['scripts/fuzz/run.sh'], {
      cwd: ROOT,
      env: { ...process.env, FUZZ_SKIP_BUILD: '1' }, // npm test has just built dist/
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), DEADLINE_MS);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    const summary = output.split('\n').filter((line) => line.startsWith('[fuzz]') || /^=+ .* =+$/.test(line));
    ctx.diagnostic(`${Math.round((Date.now() - started) / 1000)} s\n${summary.join('\n')}`);
    assert.equal(code, 0, `scripts/fuzz/run.sh failed (exit ${code}):\n${output.slice(-20_000)}`);
  });
});
