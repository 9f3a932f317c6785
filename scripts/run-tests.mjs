// Runs every test file with node's test runner against the services run.sh provides:
// migrations are applied once into a template database that each test file clones.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  console.error('TEST_DATABASE_URL is not set: run through scripts/test-env/run.sh (npm test does).');
  process.exit(2);
}

const TEMPLATE = 'user_service_test_template';

async function prepareTemplate() {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE}`;
  const { createDataSource, migrate } = await import(join(root, 'dist/src/database/data-source.js'));
  const ds = createDataSource({ url: url.toString(), poolSize: 2, statementTimeoutMs: 60000, embedded: false });
  await ds.initialize();
  const applied = await migrate(ds);
  await ds.destroy();
  console.log(`template ${TEMPLATE}: ${applied.length} migrations applied`);
}

function findFiles(dir, pattern, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findFiles(path, pattern, out);
    else if (pattern.test(name)) out.push(path);
  }
  return out;
}
const findTests = (dir) => findFiles(dir, /\.(spec|int-spec|e2e-spec)\.js$/);

await prepareTemplate();
const filter = process.argv.slice(2);
let files = [...findTests(join(root, 'dist/src')), ...findTests(join(root, 'dist/test'))].sort();
if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
console.log(`running ${files.length} test files`);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, TEST_TEMPLATE_DB: TEMPLATE, NODE_ENV: 'test' } },
);
// The browser tests keep a screenshot of every page they visit (test/utils/browser.ts).
const shots = join(root, 'test-results', 'screenshots');
if (existsSync(shots)) {
  const pngs = findFiles(shots, /\.png$/);
  if (pngs.length > 0) console.log(`screenshots: ${pngs.length} in ${shots}`);
}
process.exit(result.status ?? 1);
