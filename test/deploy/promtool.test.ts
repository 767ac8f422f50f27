/**
 * The monitoring assets checked by Prometheus itself, through `promtool` (Debian: `apt-get install prometheus`):
 * the rules and every dashboard query parse with the real PromQL parser, and each alert fires (or stays quiet) on
 * the series of test/deploy/alert-rules.promtool.yaml. Skipped with a message where promtool is not installed;
 * setting MOORING_PROMTOOL (a path, or `promtool`) makes a missing promtool a failure instead.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ASSETS, dashboardQueries, loadDashboard, type RuleFile } from './monitoring-assets.js';
import { substituteGrafanaIntervals } from './promql-lint.js';

const PROMTOOL = process.env.MOORING_PROMTOOL ?? 'promtool';
const required = process.env.MOORING_PROMTOOL !== undefined;
const found = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).status === 0;
const skip = found || required ? false : 'promtool not found: `apt-get install prometheus` (or set MOORING_PROMTOOL) to run these checks';
const UNIT_TESTS = fileURLToPath(new URL('./alert-rules.promtool.yaml', import.meta.url));

const work = mkdtempSync(join(tmpdir(), 'mooring-promtool-'));
after(() => rmSync(work, { recursive: true, force: true }));

function promtool(args: string[], cwd: string): void {
  assert.ok(found, `MOORING_PROMTOOL=${PROMTOOL} is set but does not run`);
  const r = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
}

test('promtool accepts the alert rules and prometheus.yml', { skip }, () => {
  promtool(['check', 'rules', 'mooring-alerts.yaml'], dirname(ASSETS.rules));
  promtool(['check', 'config', 'prometheus.yml'], dirname(ASSETS.prometheus));
});

test("every dashboard query parses with Prometheus's parser", { skip }, () => {
  // Each query becomes a recording rule, which `promtool check rules` parses; template variables get a value.
  const rules = dashboardQueries(loadDashboard()).map((q, i) => ({
    record: `mooring_dashboard:query_${i}`,
    expr: substituteGrafanaIntervals(q.expr).replaceAll('$model', '.*').replaceAll('$version', '.*'),
  }));
  writeFileSync(join(work, 'dashboard-queries.yaml'), stringifyYaml({ groups: [{ name: 'dashboard', rules }] }));
  promtool(['check', 'rules', 'dashboard-queries.yaml'], work);
});

test('each alert fires, or stays quiet, as its unit test says', { skip }, () => {
  // The unit tests compare labels, not the annotations' wording: run them against a copy without annotations.
  const file = parseYaml(readFileSync(ASSETS.rules, 'utf8')) as RuleFile;
  for (const g of file.groups) for (const r of g.rules) delete r.annotations;
  writeFileSync(join(work, 'mooring-alerts.yaml'), stringifyYaml(file));
  copyFileSync(UNIT_TESTS, join(work, 'alert-rules.promtool.yaml'));
  promtool(['test', 'rules', 'alert-rules.promtool.yaml'], work);
});

test('the unit tests cover every alert', () => {
  const tested = new Set(
    [...readFileSync(UNIT_TESTS, 'utf8').matchAll(/alertname:\s*(\w+)/g)].map((m) => m[1]),
  );
  const file = parseYaml(readFileSync(ASSETS.rules, 'utf8')) as RuleFile;
  for (const r of file.groups.flatMap((g) => g.rules)) assert.ok(tested.has(r.alert), `no promtool unit test for ${r.alert}`);
});
