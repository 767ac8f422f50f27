import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { throwsCode } from '../../../../test/helpers/assert-code.js';
import { ks2samp } from './ks.js';
import { chiSquareTest } from './chisquare.js';
import {
  columnDrift,
  datasetDrift,
  DEFAULT_THRESHOLDS,
  defaultDriftMethod,
  DRIFT_METHODS,
  driftTest,
} from './select.js';
import { wassersteinNormed } from './wasserstein.js';

const normalish = (n: number, shift: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1 + shift);

describe('defaultDriftMethod (Evidently defaults)', () => {
  test('small reference sets: KS, chi-square, Z test', () => {
    assert.equal(defaultDriftMethod(1000, 6, 'numerical'), 'ks');
    assert.equal(defaultDriftMethod(1000, 5, 'numerical'), 'chisquare');
    assert.equal(defaultDriftMethod(1000, 3, 'numerical'), 'chisquare');
    assert.equal(defaultDriftMethod(1000, 2, 'numerical'), 'ztest');
    assert.equal(defaultDriftMethod(10, 40, 'categorical'), 'chisquare');
    assert.equal(defaultDriftMethod(10, 2, 'categorical'), 'ztest');
  });

  test('large reference sets: Wasserstein or Jensen-Shannon', () => {
    assert.equal(defaultDriftMethod(1001, 6, 'numerical'), 'wasserstein');
    assert.equal(defaultDriftMethod(1001, 5, 'numerical'), 'jensenshannon');
    assert.equal(defaultDriftMethod(1001, 1, 'numerical'), 'jensenshannon');
    assert.equal(defaultDriftMethod(5000, 400, 'categorical'), 'jensenshannon');
  });
});

describe('driftTest', () => {
  test('p-value tests report the p-value; distances report null', () => {
    const a = normalish(200, 0);
    const b = normalish(150, 0.2);
    for (const method of DRIFT_METHODS) {
      const type = method === 'ztest' || method === 'chisquare' ? 'categorical' : 'numerical';
      const ref = type === 'categorical' ? a.map((x) => (x > 0.5 ? 'hi' : 'lo')) : a;
      const cur = type === 'categorical' ? b.map((x) => (x > 0.5 ? 'hi' : 'lo')) : b;
      const r = driftTest(method, ref, cur, type);
      assert.equal(r.method, method);
      assert.equal(r.threshold, DEFAULT_THRESHOLDS[method]);
      const pTest = method === 'ks' || method === 'chisquare' || method === 'ztest';
      if (pTest) {
        assert.ok(r.p_value !== null && r.p_value >= 0 && r.p_value <= 1);
        assert.equal(r.drift, method === 'ks' ? r.p_value <= r.threshold : r.p_value < r.threshold);
      } else {
        assert.equal(r.p_value, null);
        assert.equal(r.drift, r.statistic >= r.threshold);
      }
    }
  });

  test('KS drifts at p <= threshold, chi-square only at p < threshold (as Evidently)', () => {
    const a = normalish(60, 0);
    const b = normalish(50, 0.3);
    const p = ks2samp(a, b).pvalue;
    assert.equal(driftTest('ks', a, b, 'numerical', p).drift, true);
    const ca = a.map((x) => String(Math.floor(x * 3)));
    const cb = b.map((x) => String(Math.floor(x * 3)));
    const q = chiSquareTest(ca, cb).pvalue;
    assert.equal(driftTest('chisquare', ca, cb, 'categorical', q).drift, false);
  });

  test('drops NaN and ±Infinity first, as Evidently does', () => {
    const a = normalish(100, 0);
    const b = normalish(100, 0.1);
    const clean = driftTest('wasserstein', a, b, 'numerical');
    const dirty = driftTest('wasserstein', [NaN, ...a, Infinity], [...b, -Infinity], 'numerical');
    assert.deepEqual(dirty, clean);
    assert.equal(clean.statistic, wassersteinNormed(a, b));
  });

  test('refuses what Evidently refuses', () => {
    throwsCode(() => driftTest('ks', [NaN], [1], 'numerical'), 'INVALID_REQUEST', /reference has no finite values/);
    throwsCode(() => driftTest('psi', ['a'], [], 'categorical'), 'INVALID_REQUEST', /current/);
    throwsCode(() => driftTest('ks', ['a'], ['b'], 'categorical'), 'INVALID_REQUEST', /numerical columns only/);
    throwsCode(() => driftTest('wasserstein', [1, 'b'], [2], 'numerical'), 'INVALID_REQUEST', /needs numbers/);
    throwsCode(() => driftTest('ks', [1], [2], 'numerical', NaN), 'INVALID_REQUEST', /threshold/);
  });
});

describe('columnDrift and datasetDrift', () => {
  test('columnDrift picks the default test from reference size and distinct values over both samples', () => {
    assert.equal(columnDrift(normalish(300, 0), normalish(300, 0), 'numerical').method, 'ks');
    assert.equal(columnDrift(normalish(1001, 0), normalish(300, 0), 'numerical').method, 'wasserstein');
    assert.equal(columnDrift([1, 2, 1], [3, 3], 'numerical').method, 'chisquare');
    assert.equal(columnDrift(['a', 'a'], ['b'], 'categorical').method, 'ztest');
    assert.equal(columnDrift(['a', 'a'], ['b'], 'categorical', { method: 'psi' }).method, 'psi');
    assert.equal(columnDrift([1, NaN, NaN, NaN, NaN], [3, 3], 'numerical').method, 'ztest', 'NaN is not a value');
  });

  test('a dataset drifts when at least half of its columns do', () => {
    assert.deepEqual(datasetDrift([{ drift: true }, { drift: false }]), {
      columns: 2,
      driftedColumns: 1,
      share: 0.5,
      drift: true,
    });
    assert.equal(datasetDrift([{ drift: true }, { drift: false }, { drift: false }]).drift, false);
    assert.equal(datasetDrift([{ drift: true }, { drift: false }, { drift: false }], 0.3).drift, true);
    throwsCode(() => datasetDrift([]), 'INVALID_REQUEST');
  });
});
