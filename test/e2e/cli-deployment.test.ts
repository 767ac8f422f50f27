/**
 * `mooring deployment show|set|history` and what `models show` / `models profile` print for named features and
 * training profiles, run as the real executable: first in local mode (no server: the home opened in-process),
 * then against a running `mooring serve` on the same home, where every command goes over HTTP and answers the
 * same JSON. Exit codes follow the error categories as for every other command.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import { DEFAULT_POLICY } from '../../src/core/deployment/policy.js';
import type { DeploymentChangeDto, DeploymentDto } from '../../src/protocol/admin/deployment-dto.js';
import type { ModelVersionDto } from '../../src/protocol/admin/dto.js';
import { profileDto } from '../../src/protocol/admin/profile-dto.js';
import type { VersionProfileAnswerDto } from '../../src/protocol/admin/profile-dto.js';
import { toSnakeKeys } from '../../src/protocol/admin/wire-case.js';
import { sampleFeatures, sampleProfile } from '../conformance/registry-fixtures.js';
import { linearModel } from '../fixtures/models.js';
import { failed, ok, removeDir, runCli, show, serveDuringSuite, stdoutJson, tempDir, writeBytes, type CliResult } from './cli-harness.js';

let dir: string;
let home: string;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

const defaults = toSnakeKeys(DEFAULT_POLICY);

before(async () => {
  dir = tempDir('cli-deployment');
  home = join(dir, 'home');
  // The CLI's own `models register` computes features and profiles from reference data; here they are given.
  const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
  try {
    await ctx.registry.register({ name: 'churn', artifact: linearModel().bytes, features: sampleFeatures(), profile: sampleProfile() }, { actor: 'test' });
    await ctx.registry.register({ name: 'plain', artifact: linearModel().bytes }, { actor: 'test' });
    for (const name of ['fraud', 'ranker', 'spam', 'remote']) await ctx.registry.register({ name, artifact: linearModel().bytes }, { actor: 'test' });
  } finally {
    await ctx.close();
  }
});

after(() => removeDir(dir));

describe('mooring deployment, in local mode', () => {
  it('shows the defaults as revision 0 before anything is set', async () => {
    const d = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'churn', '--json')));
    assert.deepEqual([d.name, d.revision, d.policy], ['churn', 0, defaults]);
    const text = ok(await mooring('deployment', 'show', 'churn')).stdout;
    assert.match(text, /revision 0: the defaults, never set/);
    assert.match(text, /^validation\.anomalies:\s+flag$/m);
    assert.match(text, /^validation\.max_rows:\s+10000$/m);
    assert.match(text, /^latency_budget_ms:\s+0 \(no budget\)$/m);
    assert.match(text, /^fallback\.chain:\s+none \(failures are answered as errors\)$/m);
    assert.match(text, /^fallback\.rules:\s+none$/m);
    assert.match(text, /^circuit_breaker\.error_ratio:\s+0\.5$/m);
    assert.match(text, /^limits\.max_concurrent:\s+128$/m);
    assert.match(ok(await mooring('deployment', 'history', 'churn')).stdout, /never set/);
    assert.deepEqual(stdoutJson(ok(await mooring('deployment', 'history', 'churn', '--json'))), { revisions: [] });
  });

  it('sets fields, keeps the others, and a repeat changes nothing', async () => {
    const set = await mooring('deployment', 'set', 'churn', '--on-anomaly', 'reject', '--max-rows', '5', '--range-tolerance', '0.25', '--reason', 'launch', '--json');
    const c = stdoutJson<DeploymentChangeDto>(ok(set));
    assert.deepEqual([c.changed, c.revision, c.reason], [true, 1, 'launch']);
    assert.match(c.actor, /^cli:/);
    assert.deepEqual(c.policy.validation, { ...defaults.validation, anomalies: 'reject', max_rows: 5, range_tolerance: 0.25 });

    const repeat = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--max-rows', '5', '--json')));
    assert.deepEqual([repeat.changed, repeat.revision], [false, 1]);
    assert.match(ok(await mooring('deployment', 'set', 'churn', '--max-rows', '5')).stdout, /no change/);

    const human = ok(await mooring('deployment', 'set', 'churn', '--on-schema-error', 'fallback', '--max-input-bytes', '1048576')).stdout;
    assert.match(human, /churn: deployment policy revision 2 set/);
    assert.match(human, /^validation\.schema:\s+fallback$/m);
    assert.match(human, /^validation\.anomalies:\s+reject$/m);

    const history = stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'churn', '--json'))).revisions;
    assert.deepEqual(history.map((r) => r.revision), [1, 2]);
    const table = ok(await mooring('deployment', 'history', 'churn')).stdout;
    assert.match(table, /^\s*1 .*launch\s+validation\.anomalies=reject, validation\.range_tolerance=0\.25, validation\.max_rows=5$/m);
    assert.match(table, /^\s*2 .*validation\.schema=fallback, validation\.max_input_bytes=1048576$/m);
    const audit = stdoutJson<{ records: Array<{ action: string; target: string }> }>(ok(await mooring('audit', '--target', 'model:churn', '--limit', '1', '--json')));
    assert.deepEqual(audit.records.map((r) => [r.action, r.target]), [['deployment.set', 'model:churn']]);
  });

  it('turns batching, the response cache and coalescing on and off', async () => {
    const set = await mooring('deployment', 'set', 'plain', '--batching', 'on', '--max-batch-size', '8', '--max-queue-delay-us', '200', '--cache', 'on', '--cache-ttl-ms', '1000', '--coalescing', 'off', '--json');
    const c = stdoutJson<DeploymentChangeDto>(ok(set));
    assert.deepEqual(c.policy.batching, { enabled: true, max_batch_size: 8, max_queue_delay_micros: 200 });
    assert.deepEqual(c.policy.cache, { enabled: true, ttl_ms: 1000 });
    assert.deepEqual(c.policy.coalescing, { enabled: false });
    assert.deepEqual(c.policy.validation, defaults.validation, 'the other sections keep their values');
    const off = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'plain', '--cache', 'off', '--json')));
    assert.deepEqual(off.policy.cache, { enabled: false, ttl_ms: 1000 });
    assert.match(ok(await mooring('deployment', 'show', 'plain')).stdout, /^batching\.max_batch_size:\s+8$/m);
    failed(await mooring('deployment', 'set', 'plain', '--batching', 'maybe'), 2, 'INVALID_REQUEST');
  });

  it('sets the latency budget, the fallback chain with a rules file, the circuit breaker and the load limits', async () => {
    const rulesYaml = writeBytes(dir, 'rules.yaml', [
      '# answered when the model cannot answer',
      'cases:',
      '  - when: [{feature: age, op: lt, value: 30}, {feature: city, op: in, value: [ny, sf]}]',
      '    outputs: [{name: y, value: 0.9}]',
      '  - when: [{feature: income, op: missing}]',
      '    outputs: [{name: y, value: 0.5}]',
      'default:',
      '  outputs: [{name: y, value: 0.1}]',
      '',
    ].join('\n'));
    const set = await mooring('deployment', 'set', 'fraud', '--latency-budget-ms', '250', '--fallback', 'cache,previous,rules',
      '--fallback-cache-ttl-ms', '60000', '--rules-file', rulesYaml, '--circuit-breaker', 'off', '--breaker-error-ratio', '0.3',
      '--breaker-min-requests', '5', '--breaker-window-ms', '2000', '--breaker-half-open-after-ms', '500', '--max-concurrent', '8',
      '--max-queued', '0', '--retry-after-s', '3', '--reason', 'resilience', '--json');
    const c = stdoutJson<DeploymentChangeDto>(ok(set));
    const rules = {
      cases: [
        { when: [{ feature: 'age', op: 'lt', value: 30 }, { feature: 'city', op: 'in', value: ['ny', 'sf'] }], outputs: [{ name: 'y', value: 0.9 }] },
        { when: [{ feature: 'income', op: 'missing' }], outputs: [{ name: 'y', value: 0.5 }] },
      ],
      default: { outputs: [{ name: 'y', value: 0.1 }] },
    };
    assert.deepEqual([c.changed, c.revision, c.reason], [true, 1, 'resilience']);
    assert.deepEqual(c.policy, {
      ...defaults,
      latency_budget_ms: 250,
      fallback: { chain: ['cache', 'previous', 'rules'], cache_ttl_ms: 60000, rules },
      circuit_breaker: { enabled: false, error_ratio: 0.3, min_requests: 5, window_ms: 2000, half_open_after_ms: 500 },
      limits: { max_concurrent: 8, max_queued: 0, retry_after_seconds: 3 },
    });
    const text = ok(await mooring('deployment', 'show', 'fraud')).stdout;
    assert.match(text, /^latency_budget_ms:\s+250$/m);
    assert.match(text, /^fallback\.chain:\s+cache -> previous -> rules$/m);
    assert.match(text, /^fallback\.rules:\s+2 cases, a default$/m);
    assert.match(text, /^circuit_breaker\.enabled:\s+false$/m);
    assert.match(text, /^limits\.max_queued:\s+0$/m);

    // A rules file is the whole table: one with only cases drops the default set before. JSON is YAML too.
    const rulesJson = writeBytes(dir, 'rules.json', JSON.stringify({ cases: [rules.cases[1]] }));
    const only = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'fraud', '--rules-file', rulesJson, '--json')));
    assert.deepEqual([only.revision, only.policy.fallback], [2, { chain: ['cache', 'previous', 'rules'], cache_ttl_ms: 60000, rules: { cases: [rules.cases[1]], default: null } }]);
    assert.match(ok(await mooring('deployment', 'show', 'fraud')).stdout, /^fallback\.rules:\s+1 case, no default$/m);
    const table = ok(await mooring('deployment', 'history', 'fraud')).stdout;
    assert.match(table, /^\s*2 .*-\s+fallback\.rules=\(1 case, no default\)$/m);

    const cleared = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'fraud', '--fallback', 'none', '--rules-file', 'none', '--json')));
    assert.deepEqual([cleared.revision, cleared.policy.fallback], [3, { chain: [], cache_ttl_ms: 60000, rules: null }]);
    assert.deepEqual(cleared.policy.limits, { max_concurrent: 8, max_queued: 0, retry_after_seconds: 3 }, 'the other sections keep their values');

    const badOp = writeBytes(dir, 'bad-op.yaml', 'cases:\n  - when: [{feature: age, op: below, value: 3}]\n    outputs: [{name: y, value: 1}]\n');
    const refusals: Array<[string[], RegExp]> = [
      [['--fallback', 'rules'], /fallback\.rules: the chain lists rules but fallback\.rules is not set/],
      [['--fallback', 'queue'], /fallback\.chain: the queue fallback needs asynchronous predictions/],
      [['--fallback', 'cache,cache'], /fallback\.chain: a fallback kind may appear only once/],
      [['--fallback', 'cache,bogus'], /expected a comma list of cache, previous, rules, queue, or none; got "bogus"/],
      [['--breaker-error-ratio', '1'], /circuit_breaker\.error_ratio/],
      [['--max-concurrent', '0'], /--max-concurrent.*expected a whole number from 1 to 1000000/],
      [['--latency-budget-ms', '600001'], /--latency-budget-ms.*expected a whole number from 0 to 600000/],
      [['--fallback-cache-ttl-ms', '999'], /from 1000 to 2592000000/],
      [['--retry-after-s', '3601'], /from 1 to 3600/],
      [['--circuit-breaker', 'maybe'], /on, off/],
      [['--rules-file', join(dir, 'missing.yaml')], /--rules-file .*missing\.yaml: cannot read the file \(no such file\)/],
      [['--rules-file', badOp], /fallback\.rules\.cases\[0\]\.when\[0\]\.op/],
      [['--rules-file', writeBytes(dir, 'list.yaml', '- 1\n')], /must hold a rules table/],
    ];
    const results = await Promise.all(refusals.map(([args]) => mooring('deployment', 'set', 'fraud', ...args)));
    results.forEach((r, i) => {
      failed(r, 2, 'INVALID_REQUEST');
      assert.match(r.stderr, refusals[i]![1], show(r));
    });
    const history = stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'fraud', '--json'))).revisions;
    assert.deepEqual(history.map((r) => r.revision), [1, 2, 3], 'no refused change was written');
  });

  it('exits by error category: 3 for an unknown model, 2 for a bad value or no change asked', async () => {
    const [missing, range, choice, none, notNumber, zero] = await Promise.all([
      mooring('deployment', 'show', 'ghost'),
      mooring('deployment', 'set', 'churn', '--range-tolerance', '5000'),
      mooring('deployment', 'set', 'churn', '--on-anomaly', 'explode'),
      mooring('deployment', 'set', 'churn'),
      mooring('deployment', 'set', 'churn', '--max-rows', 'many'),
      mooring('deployment', 'set', 'churn', '--max-rows', '0'),
    ]);
    failed(missing, 3, 'MODEL_NOT_FOUND');
    failed(range, 2, 'INVALID_REQUEST');
    assert.match(range.stderr, /validation\.range_tolerance/);
    failed(choice, 2, 'INVALID_REQUEST');
    assert.match(choice.stderr, /reject, flag, fallback, off/);
    failed(none, 2, 'INVALID_REQUEST');
    assert.match(none.stderr, /at least one policy flag/);
    failed(notNumber, 2, 'INVALID_REQUEST');
    failed(zero, 2, 'INVALID_REQUEST');
    assert.match(zero.stderr, /validation\.max_rows/);
    failed(await mooring('deployment', 'history', 'ghost'), 3, 'MODEL_NOT_FOUND');
  });
});

/** A `kind: Deployment` document of an apply file. */
function deploymentDoc(model: string, policyYaml: string[], reason?: string): string {
  return ['kind: Deployment', `model: ${model}`, ...(reason === undefined ? [] : [`reason: ${reason}`]), 'policy:', ...policyYaml.map((l) => `  ${l}`)].join('\n');
}

describe('mooring apply, in local mode', () => {
  let file: string;
  const rules = { cases: [{ when: [{ feature: 'age', op: 'ge', value: 65 }], outputs: [{ name: 'y', value: 1 }] }], default: { outputs: [{ name: 'y', value: 0 }] } };

  before(async () => {
    ok(await mooring('deployment', 'set', 'ranker', '--max-concurrent', '3', '--cache', 'on', '--reason', 'by hand'));
    file = writeBytes(dir, 'deployments.yaml', [
      '# the policies of two models',
      deploymentDoc('ranker', ['validation: {max_rows: 50}', 'fallback:', '  chain: [cache]'], 'from git'),
      '---',
      deploymentDoc('spam', [
        'fallback:',
        '  chain: [rules]',
        '  rules:',
        '    cases:',
        '      - when: [{feature: age, op: ge, value: 65}]',
        '        outputs: [{name: y, value: 1}]',
        '    default: {outputs: [{name: y, value: 0}]}',
        'limits: {max_queued: 10}',
      ]),
      '',
    ].join('\n'));
  });

  it('a dry run prints what would change and writes nothing', async () => {
    const text = ok(await mooring('apply', file, '--dry-run')).stdout;
    assert.equal(text, [
      'ranker: would change validation.max_rows=50, cache.enabled=false, fallback.chain=["cache"], limits.max_concurrent=128',
      'spam: would change fallback.chain=["rules"], fallback.rules=(1 case, a default), limits.max_queued=10',
      '',
    ].join('\n'));
    const plan = stdoutJson<{ plan: unknown[] }>(ok(await mooring('apply', file, '--dry-run', '--json')));
    assert.deepEqual(plan, {
      plan: [
        {
          model: 'ranker',
          revision: 1,
          changed: true,
          fields: [
            { field: 'validation.max_rows', from: 10000, to: 50 },
            { field: 'cache.enabled', from: true, to: false },
            { field: 'fallback.chain', from: [], to: ['cache'] },
            { field: 'limits.max_concurrent', from: 3, to: 128 },
          ],
        },
        {
          model: 'spam',
          revision: 0,
          changed: true,
          fields: [
            { field: 'fallback.chain', from: [], to: ['rules'] },
            { field: 'fallback.rules', from: null, to: rules },
            { field: 'limits.max_queued', from: 512, to: 10 },
          ],
        },
      ],
    });
    assert.deepEqual(stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'ranker', '--json'))).revisions.map((r) => r.revision), [1]);
    assert.deepEqual(stdoutJson(ok(await mooring('deployment', 'history', 'spam', '--json'))), { revisions: [] });
  });

  it('replaces each policy with the file\'s (defaults for the rest), and a second run changes nothing', async () => {
    assert.equal(ok(await mooring('apply', file, '--reason', 'ci')).stdout, 'ranker: revision 2 (changed)\nspam: revision 1 (changed)\n');
    const ranker = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'ranker', '--json')));
    assert.deepEqual([ranker.revision, ranker.reason], [2, 'from git'], "the document's own reason wins over --reason");
    assert.deepEqual(ranker.policy, {
      ...defaults,
      validation: { ...defaults.validation, max_rows: 50 },
      fallback: { ...defaults.fallback, chain: ['cache'] },
    });
    const spam = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'spam', '--json')));
    assert.deepEqual([spam.revision, spam.reason], [1, 'ci']);
    assert.deepEqual(spam.policy, { ...defaults, fallback: { ...defaults.fallback, chain: ['rules'], rules }, limits: { ...defaults.limits, max_queued: 10 } });

    assert.equal(ok(await mooring('apply', file)).stdout, 'ranker: unchanged at revision 2\nspam: unchanged at revision 1\n');
    const again = stdoutJson<{ applied: DeploymentChangeDto[] }>(ok(await mooring('apply', file, '--json')));
    assert.deepEqual(again.applied.map((c) => [c.name, c.revision, c.changed]), [['ranker', 2, false], ['spam', 1, false]]);
    assert.deepEqual(again.applied[0], { ...ranker, changed: false });
    assert.equal(ok(await mooring('apply', file, '--dry-run')).stdout, 'ranker: unchanged at revision 2\nspam: unchanged at revision 1\n');
    const audit = stdoutJson<{ records: Array<{ action: string; target: string; details: { revision: number } }> }>(
      ok(await mooring('audit', '--target', 'model:spam', '--json')),
    );
    assert.deepEqual(audit.records.filter((r) => r.action === 'deployment.set').map((r) => r.details.revision), [1]);
  });

  it('reads the file from stdin with -', async () => {
    const input = `---\n${deploymentDoc('ranker', ['{}'])}\n`.replace('policy:\n  {}', 'policy: {}');
    const r = ok(await runCli(['--home', home, 'apply', '-', '--json'], { input }));
    const { applied } = stdoutJson<{ applied: DeploymentChangeDto[] }>(r);
    assert.deepEqual(applied.map((c) => [c.name, c.revision, c.changed]), [['ranker', 3, true]]);
    assert.deepEqual(applied[0]!.policy, defaults);
  });

  it('refuses the whole file when one document is wrong, and writes nothing', async () => {
    const good = deploymentDoc('ranker', ['limits: {max_concurrent: 2}']);
    const cases: Array<[string, number, string, RegExp]> = [
      [`${good}\n---\n${deploymentDoc('spam', ['fallback: {chain: [queue]}'])}`, 2, 'INVALID_REQUEST',
        /: document 2 \(model spam\): fallback\.chain: the queue fallback needs asynchronous predictions/],
      [`${good}\n---\n${deploymentDoc('spam', ['limits: {max_concurrent: 0}'])}`, 2, 'INVALID_REQUEST', /: document 2 \(model spam\): limits\.max_concurrent:/],
      [`${good}\n---\n${deploymentDoc('ghost', ['{}'])}`, 3, 'MODEL_NOT_FOUND', /: document 2 \(model ghost\): model "ghost"/],
      [`${good}\n---\n${good}`, 2, 'INVALID_REQUEST', /: document 2 \(model ranker\): model ranker is already in document 1/],
      [`${good}\n---\nkind: Service\nmodel: spam\npolicy: {}`, 2, 'INVALID_REQUEST', /: document 2: kind "Service" is not known \(expected Deployment\)/],
      [`${good}\n---\nkind: Deployment\npolicy: {}`, 2, 'INVALID_REQUEST', /: document 2: model is missing/],
      [`${good}\n---\nkind: [`, 2, 'INVALID_REQUEST', /: .*bad-\d\.yaml: document 2 is not valid YAML/],
    ];
    const before = await Promise.all(['ranker', 'spam'].map(async (m) => ok(await mooring('deployment', 'history', m, '--json')).stdout));
    for (const [i, [text, exit, code, message]] of cases.entries()) {
      const r = await mooring('apply', writeBytes(dir, `bad-${i}.yaml`, text));
      failed(r, exit, code);
      assert.match(r.stderr, message, show(r));
    }
    const after = await Promise.all(['ranker', 'spam'].map(async (m) => ok(await mooring('deployment', 'history', m, '--json')).stdout));
    assert.deepEqual(after, before);
    failed(await mooring('apply', join(dir, 'nope.yaml')), 2, 'INVALID_REQUEST');
    failed(await mooring('apply', writeBytes(dir, 'empty.yaml', '# nothing\n')), 2, 'INVALID_REQUEST');
  });
});

describe('models show and models profile, in local mode', () => {
  it('models show prints the features and a profile summary', async () => {
    for (const ref of ['churn', 'churn/1']) {
      const text = ok(await mooring('models', 'show', ref)).stdout;
      assert.match(text, /features \(input x, 4 columns\):/);
      assert.match(text, /^city\s+categorical\s+onehot \(2: "ny", "sf"\)\s+no$/m);
      assert.match(text, /^income\s+numerical\s+value\s+yes$/m);
      assert.match(text, /profile: 100 rows from train\.parquet/);
      assert.match(text, /^age\s+feature\s+numerical\s+0%\s+18 \.\. 77\.5$/m);
      assert.match(text, /^income\s+feature\s+numerical\s+3%/m);
      assert.match(text, /^city\s+feature\s+categorical\s+0%\s+"ny" 60, "__proto__" 39, \(other\) 1$/m);
      assert.match(text, /^y\s+output\s+numerical/m);
    }
    const v = stdoutJson<ModelVersionDto>(ok(await mooring('models', 'show', 'churn/1', '--json')));
    assert.deepEqual([v.features, v.has_profile], [sampleFeatures(), true]);
    const plain = ok(await mooring('models', 'show', 'plain')).stdout;
    assert.doesNotMatch(plain, /features|profile/);
  });

  it('models profile prints the whole profile, or says there is none', async () => {
    const answer = stdoutJson<VersionProfileAnswerDto>(ok(await mooring('models', 'profile', 'churn@latest', '--json')));
    assert.deepEqual(answer, { name: 'churn', version: 1, profile: profileDto(sampleProfile()) });
    const text = ok(await mooring('models', 'profile', 'churn/1')).stdout;
    assert.match(text, /^rows:\s+100$/m);
    assert.match(text, /^ {2}age \(numerical\)$/m);
    assert.match(text, /quantiles:\s+p1 18\.595 {2}p5 20\.975/);
    assert.match(text, /histogram:\s+\[18, 38\) 40 \| \[38, 58\) 35 \| \[58, 77\.5\] 25/);
    assert.match(text, /categories:\s+"ny" 60, "__proto__" 39, \(other\) 1/);
    assert.match(text, /^outputs \(1\):$/m);
    assert.match(ok(await mooring('models', 'profile', 'plain/1')).stdout, /plain version 1 has no training profile/);
    assert.deepEqual(stdoutJson(ok(await mooring('models', 'profile', 'plain/1', '--json'))), { name: 'plain', version: 1, profile: null });
    failed(await mooring('models', 'profile', 'plain/9'), 3, 'VERSION_NOT_FOUND');
  });
});

describe('the same commands against a running server', () => {
  const live = serveDuringSuite(home, { before, after });

  it('registers features and a profile over HTTP, and the CLI reads them from the server', async () => {
    const headers = { authorization: `Bearer ${live.token}` };
    const upload = await fetch(`${live.server.url}/api/artifacts`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: linearModel().bytes,
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const created = await fetch(`${live.server.url}/api/models/churn/versions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ artifact_sha256: sha256, features: sampleFeatures(), profile: profileDto(sampleProfile(1000)) }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const version = (await created.json()) as ModelVersionDto;
    assert.deepEqual([version.version, version.has_profile], [2, true]);

    const r = ok(await mooring('--verbose', 'models', 'profile', 'churn/2', '--json'));
    assert.match(r.stderr, /using the server at/);
    assert.deepEqual(stdoutJson<VersionProfileAnswerDto>(r).profile, profileDto(sampleProfile(1000)));
    assert.match(ok(await mooring('models', 'show', 'churn/2')).stdout, /profile: 100 rows from train\.parquet/);
  });

  it('shows, sets and lists deployment revisions through the server', async () => {
    const shown = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'churn', '--json')));
    assert.equal(shown.revision, 2, 'the revisions set in local mode are the server\'s too');
    const c = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--on-anomaly', 'off', '--reason', 'noisy', '--json')));
    assert.deepEqual([c.changed, c.revision, c.reason, c.policy.validation.anomalies], [true, 3, 'noisy', 'off']);
    assert.match(c.actor, /^api:/);
    assert.equal(c.policy.validation.schema, 'fallback', 'earlier revisions still hold');
    const repeat = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--on-anomaly', 'off', '--json')));
    assert.deepEqual([repeat.changed, repeat.revision], [false, 3]);
    const history = stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'churn', '--json'))).revisions;
    assert.deepEqual(history.map((r) => [r.revision, r.reason]), [[1, 'launch'], [2, null], [3, 'noisy']]);
    failed(await mooring('deployment', 'show', 'ghost'), 3, 'MODEL_NOT_FOUND');
    const bad = await mooring('deployment', 'set', 'churn', '--max-rows', '0');
    failed(bad, 2, 'INVALID_REQUEST');
    assert.match(bad.stderr, /validation\.max_rows/);
  });

  it('sets the resilience sections and a rules file through the server', async () => {
    const rulesFile = writeBytes(dir, 'remote-rules.yaml', 'default:\n  outputs: [{name: y, value: [0.5]}]\n');
    const c = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'remote', '--fallback', 'previous,rules', '--rules-file', rulesFile,
      '--latency-budget-ms', '100', '--max-queued', '4', '--json')));
    assert.deepEqual([c.changed, c.revision], [true, 1]);
    assert.match(c.actor, /^api:/);
    assert.deepEqual(c.policy, {
      ...defaults,
      latency_budget_ms: 100,
      fallback: { ...defaults.fallback, chain: ['previous', 'rules'], rules: { cases: [], default: { outputs: [{ name: 'y', value: [0.5] }] } } },
      limits: { ...defaults.limits, max_queued: 4 },
    });
  });

  it('applies a file through the server, with replace', async () => {
    const file = writeBytes(dir, 'remote.yaml', `${deploymentDoc('remote', ['latency_budget_ms: 100', 'circuit_breaker: {min_requests: 50}'])}\n`);
    assert.equal(
      ok(await mooring('apply', file, '--dry-run')).stdout,
      'remote: would change fallback.chain=[], fallback.rules=(none), circuit_breaker.min_requests=50, limits.max_queued=512\n',
    );
    const r = ok(await mooring('--verbose', 'apply', file, '--reason', 'declared', '--json'));
    assert.match(r.stderr, /using the server at/);
    const { applied } = stdoutJson<{ applied: DeploymentChangeDto[] }>(r);
    assert.deepEqual(applied.map((c) => [c.name, c.revision, c.changed, c.reason]), [['remote', 2, true, 'declared']]);
    assert.match(applied[0]!.actor, /^api:/);
    assert.deepEqual(applied[0]!.policy, { ...defaults, latency_budget_ms: 100, circuit_breaker: { ...defaults.circuit_breaker, min_requests: 50 } });
    assert.equal(ok(await mooring('apply', file)).stdout, 'remote: unchanged at revision 2\n');
    const refused = await mooring('apply', writeBytes(dir, 'remote-bad.yaml', `${deploymentDoc('remote', ['fallback: {chain: [rules]}'])}\n`));
    failed(refused, 2, 'INVALID_REQUEST');
    assert.match(refused.stderr, /document 1 \(model remote\): fallback\.rules: the chain lists rules/);
  });
});
