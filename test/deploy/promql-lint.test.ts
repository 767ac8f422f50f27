import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricCatalog, registryMetrics, type MetricSpec } from './metric-catalog.js';
import { lintPromQL, substituteGrafanaIntervals } from './promql-lint.js';
import { dashboardQueries, loadDashboard, loadRules, ruleQueries } from './monitoring-assets.js';
import { Metrics } from '../../src/services/metrics.js';

const server = (): MetricSpec[] => registryMetrics(new Metrics({ processMetrics: true }).registry);
const catalog = new MetricCatalog(server());
const problems = (expr: string, c: MetricCatalog = catalog): string[] => lintPromQL(substituteGrafanaIntervals(expr), c).problems;

/** Every query of the dashboard and the rules, checked against a catalog: the problems found. */
function assetProblems(c: MetricCatalog): string[] {
  const queries = [...dashboardQueries(loadDashboard()), ...ruleQueries(loadRules())];
  return queries.flatMap((q) => lintPromQL(substituteGrafanaIntervals(q.expr), c).problems.map((p) => `${q.where}: ${p}`));
}

test('sound expressions pass', () => {
  for (const expr of [
    'sum by (route, code) (rate(mooring_requests_total{model=~"$model", version=~"$version"}[$__rate_interval]))',
    'histogram_quantile(0.99, sum by (model, le) (rate(mooring_request_duration_seconds_bucket{route!="shadow"}[5m]))) > 0.1',
    'sum(rate(mooring_prediction_score_sum[1h])) / sum(rate(mooring_prediction_score_count[1d] offset 1h))',
    'max by (model, version) (mooring_drift_share) >= 0.5',
    'max_over_time(rate(mooring_requests_total[5m])[1h:1m])',
    'up{job="mooring"} == 0',
    'absent(up{job="mooring"})',
    'sum(rate(mooring_requests_total{code=~"5.."}[5m])) or vector(0)',
    'mooring_validation_requests_total{outcome=~"rejected|flagged"}[5m]',
    'rate(mooring_fallbacks_total{kind="cache"}[5m])',
  ]) {
    assert.deepEqual(problems(expr), [], expr);
  }
});

test('an unknown metric, label, function or label value is reported', () => {
  const cases: Array<[string, RegExp]> = [
    ['rate(mooring_requestz_total[5m])', /unknown metric mooring_requestz_total/],
    ['mooring_drift_share{column="age"}', /has no label "column"/],
    ['mooring_request_duration_seconds_count{le="1"}[5m]', /has no label "le"/],
    ['rate(mooring_validation_requests_total{outcome="flaged"}[5m])', /"flaged" is not one of/],
    ['rate(mooring_requests_total{route=~"production|canery"}[5m])', /"canery" is not one of/],
    ['mooring_accuracy{metric="precission"}', /"precission" is not one of/],
    ['rat(mooring_requests_total[5m])', /unknown function rat\(\)/],
    ['sum by (modle) (mooring_drift_share)', /by \(modle\)/],
    ['mooring_drift_share and on (metric) mooring_drift_detected', /no series in the expression has label "metric"/],
  ];
  for (const [expr, re] of cases) {
    const found = problems(expr);
    assert.ok(found.some((p) => re.test(p)), `${expr}: ${JSON.stringify(found)}`);
  }
});

test('unbalanced brackets and broken selectors are reported', () => {
  for (const expr of [
    'sum(rate(mooring_requests_total[5m])',
    'sum(rate(mooring_requests_total[5m])))',
    'rate(mooring_requests_total{model="a"[5m])',
    'rate(mooring_requests_total[5m)',
    'rate(mooring_requests_total[5x])',
    'mooring_drift_share{model="a}',
    'mooring_drift_share{model=~$model}',
    '{model="a"}',
    'mooring_drift_share offset',
  ]) {
    assert.notDeepEqual(problems(expr), [], expr);
  }
});

test('misused counters, ranges and histograms are reported', () => {
  const cases: Array<[string, RegExp]> = [
    ['sum(mooring_requests_total)', /counter/],
    ['mooring_prediction_score_count', /counter/],
    ['rate(mooring_drift_share)', /rate\(\) needs a range/],
    ['histogram_quantile(0.99, sum by (model) (rate(mooring_request_duration_seconds_bucket[5m])))', /without le/],
    ['histogram_quantile(0.99, rate(mooring_request_duration_seconds_sum[5m]))', /no _bucket series/],
  ];
  for (const [expr, re] of cases) {
    const found = problems(expr);
    assert.ok(found.some((p) => re.test(p)), `${expr}: ${JSON.stringify(found)}`);
  }
});

test('a planned metric is accepted only while it is on the allow-list', () => {
  const expr = 'max by (queue) (mooring_queue_depth)';
  assert.deepEqual(problems(expr), []);
  assert.match(problems(expr, new MetricCatalog(server(), [])).join('\n'), /unknown metric mooring_queue_depth/);
});

test('renaming any metric family the assets read makes the checks fail', () => {
  assert.deepEqual(assetProblems(catalog), [], 'the assets are clean against the real registry');
  const families = server();
  const read = families.filter((f) => f.name.startsWith('mooring_'));
  let used = 0;
  for (const f of read) {
    const renamed = families.map((g) => (g.name === f.name ? { ...g, name: `${g.name}_renamed` } : g));
    const found = assetProblems(new MetricCatalog(renamed));
    if (found.length === 0) continue;
    used++;
    assert.ok(found.some((p) => p.includes(`unknown metric ${f.name}`)), `${f.name}: ${found[0]}`);
  }
  // Mooring's 11 own families plus the process metrics the dashboard shows (CPU, RSS, event-loop lag, heap).
  assert.ok(used >= 15, `only ${used} families are read by the assets`);
});

test('renaming a label of a metric makes the checks fail', () => {
  const renamed = server().map((g) =>
    g.name === 'mooring_requests_total' ? { ...g, labels: g.labels.map((l) => (l === 'code' ? 'status' : l)) } : g,
  );
  const found = assetProblems(new MetricCatalog(renamed));
  assert.ok(found.some((p) => /mooring_requests_total has no label "code"/.test(p)), JSON.stringify(found.slice(0, 3)));
});
