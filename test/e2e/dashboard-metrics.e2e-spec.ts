import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';

/**
 * Every metric the Grafana dashboard and the PrometheusRule (alerts and SLO recording rules)
 * query is one the running service exports: a renamed series would otherwise leave an empty
 * panel or an alert that can never fire, and no other check would notice.
 */
const ROOT = new URL('../../..', import.meta.url).pathname;
const CHART = join(ROOT, 'helm/user-service');
const HELM = join(process.env.USER_SERVICE_CACHE ?? join(homedir(), '.cache/user-service'), 'bin/helm');
/** Series Prometheus makes itself for every target. */
const FROM_PROMETHEUS = new Set(['up']);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
]);

/** The metric names a PromQL expression reads (not functions, labels, keywords, numbers or variables). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery windows
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\boffset\s+\S+/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' '); // numbers
  const names = new Set<string>();
  for (const m of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const name = m[1];
    if (m[2] === undefined && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

/** targets[].expr of every panel (rows included) and the query of every templating variable. */
function dashboardExpressions(): string[] {
  const exprs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.expr === 'string') exprs.push(record.expr);
      Object.values(record).forEach(walk);
    }
  };
  for (const file of readdirSync(join(CHART, 'dashboards')).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(CHART, 'dashboards', file), 'utf8')) as {
      panels: unknown;
      templating: { list: { type: string; query: unknown }[] };
    };
    walk(dashboard.panels);
    for (const variable of dashboard.templating.list) {
      if (variable.type !== 'query') continue;
      const query = typeof variable.query === 'string' ? variable.query : (variable.query as { query: string }).query;
      // label_values(<series selector>, <label>): the label is not a metric.
      exprs.push(query.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
    }
  }
  return exprs;
}

/** The rendered PrometheusRule (default values, rules on): its expressions and recorded names. */
function ruleExpressions(): { exprs: string[]; records: Set<string> } {
  const yaml = execFileSync(
    HELM,
    ['template', 'us', CHART, '--namespace', 'identity', '--set', 'prometheusRule.enabled=true'].concat([
      '--show-only',
      'templates/prometheusrule.yaml',
    ]),
    { encoding: 'utf8' },
  );
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  const records = new Set<string>();
  lines.forEach((line, i) => {
    const record = /^\s*-?\s*record:\s*(\S+)/.exec(line);
    if (record) records.add(record[1]);
    const expr = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!expr) return;
    const [, indent, rest] = expr as unknown as [string, string, string];
    if (!rest.startsWith('|')) {
      exprs.push(rest.replace(/^"(.*)"$/, '$1'));
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next);
    }
    exprs.push(block.join('\n'));
  });
  return { exprs, records };
}

/** `# TYPE` lines of /metrics: name → type. */
function exportedTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

function isExported(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (histogram === null) return false;
  const base = types.get(histogram[1]);
  return base === 'histogram' || (base === 'summary' && histogram[2] !== 'bucket');
}

describe('dashboard and alert rules use only metrics the service exports', () => {
  let t: TestApp;
  let scrape: string;
  let types: Map<string, string>;
  before(async () => {
    t = await startTestApp();
    // Some traffic, so the histograms have their buckets and the labelled series exist.
    const who = newIdentity('dm');
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: who })).status, 201);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.email, password: who.password },
    });
    assert.equal(login.status, 200);
    const token = (login.body as { access_token: string }).access_token;
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token })).status, 200);
    scrape = await (await fetch(`${t.metricsUrl}/metrics`)).text();
    types = exportedTypes(scrape);
  });
  after(async () => {
    await t.close();
  });

  it('extracts metric names from PromQL (not functions, labels, keywords, numbers or Grafana variables)', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~"$job",route="/a"}[$__rate_interval])))' +
          ' / on (job) group_left sum(rate(login_attempts_total{result!="success"}[5m] offset 1h)) > 1e3 and foo:bar:ratio_rate5m',
      ).sort(),
      ['foo:bar:ratio_rate5m', 'http_request_duration_seconds_bucket', 'login_attempts_total'],
    );
  });

  it('every metric of the Grafana dashboard is exported', () => {
    const exprs = dashboardExpressions();
    assert.ok(exprs.length >= 20, `only ${exprs.length} expressions found`);
    const used = new Set(exprs.flatMap(metricNames));
    const missing = [...used].filter((name) => !isExported(name, types));
    assert.deepEqual(missing, [], `not exported by the service: ${missing.join(', ')}`);
    // The panels the issue asks for read these series.
    for (const name of [
      'login_attempts_total',
      'failed_logins_total',
      'active_sessions',
      'http_request_duration_seconds_bucket',
      'password_hash_queue',
      'outbox_pending_events',
      'outbox_publish_lag_seconds_bucket',
      'cache_hits_total',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(used.has(name), `no panel reads ${name}`);
    }
  });

  it('every metric of the alert and SLO rules is exported, recorded by the rules, or up', (ctx) => {
    if (!existsSync(HELM)) {
      ctx.skip(`helm not installed at ${HELM} (bash scripts/delivery/tools.sh)`);
      return;
    }
    const { exprs, records } = ruleExpressions();
    assert.ok(exprs.length >= 40, `only ${exprs.length} rule expressions found`);
    assert.ok(records.size >= 30, `only ${records.size} recording rules found`);
    const used = new Set(exprs.flatMap(metricNames));
    const missing = [...used].filter(
      (name) => !isExported(name, types) && !records.has(name) && !FROM_PROMETHEUS.has(name),
    );
    assert.deepEqual(missing, [], `neither exported nor recorded: ${missing.join(', ')}`);
    // A latency SLO counts requests under a bucket bound: each le it names must be a bucket.
    const buckets = new Set(
      [...scrape.matchAll(/^http_request_duration_seconds_bucket\{[^}]*le="([^"]+)"/gm)].map((m) => m[1]),
    );
    const les = new Set(exprs.flatMap((e) => [...e.matchAll(/le="([^"]+)"/g)].map((m) => m[1])));
    assert.ok(les.size >= 2, 'the latency SLOs name their bucket bounds');
    for (const le of les) assert.ok(buckets.has(le), `le="${le}" is not a bucket of http_request_duration_seconds`);
  });
});
