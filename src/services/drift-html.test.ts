import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, histogramChart } from '../core/monitoring/drift-chart.js';
import type { DriftAnalysis } from '../core/monitoring/drift-report.js';
import { escapeHtml, renderDriftHtml } from './drift-html.js';

const EVIL = `<script>alert("x")</script>&'`;

function analysis(): DriftAnalysis {
  return {
    report: {
      model: 'm',
      version: 3,
      reference_rows: 100,
      current_rows: 50,
      dataset_drift: true,
      drift_share: 0.5,
      columns: [
        { name: EVIL, kind: 'feature', type: 'numerical', method: 'ks', statistic: 0.4, p_value: 0.001, threshold: 0.05, drift: true },
        { name: 'plan', kind: 'feature', type: 'categorical', method: 'chisquare', statistic: null, p_value: 0, threshold: 0.05, drift: true },
        { name: 'empty', kind: 'prediction', type: 'numerical', method: 'ks', statistic: null, p_value: null, threshold: 0.05, drift: false },
      ],
    },
    charts: [
      histogramChart([1, 2, 3, 4], [3, 4, 5, 6]),
      barChart({ counts: new Map([['basic', 10], [EVIL, 5]]), other: 2 }, { counts: new Map([['basic', 1], ['<b>new</b>', 9]]), other: 0 }),
      null,
    ],
  };
}

describe('drift HTML report', () => {
  it('escapes every piece of user data', () => {
    const html = renderDriftHtml(analysis(), { generatedAt: 0, window: `the last <i>10</i> predictions` });
    assert.ok(!html.includes('<script'), 'no script element, from user data or otherwise');
    assert.ok(!html.includes('<b>new'));
    assert.ok(!html.includes('<i>10'));
    assert.ok(html.includes(escapeHtml(EVIL)));
    assert.ok(html.includes('&lt;b&gt;new&lt;/b&gt;'));
    assert.equal(escapeHtml(EVIL), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('is self-contained: no external assets, no scripts; a chart per column with data', () => {
    const html = renderDriftHtml(analysis(), { generatedAt: 0, window: 'w' });
    assert.doesNotMatch(html, /\b(src|href)="(?!#)/, 'only in-page links');
    assert.doesNotMatch(html, /<link|@import|url\(/);
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.match(html, /No values to draw/);
    assert.match(html, /The dataset drifted/);
    assert.match(html, /Kolmogorov-Smirnov two-sample test: drift when p &lt;= 0\.05/);
    assert.match(html, /no data/);
    assert.match(html, /\(other categories\)/);
    assert.match(html, /1970-01-01T00:00:00\.000Z/);
  });
});

describe('drift charts', () => {
  it('bins both samples over common edges as shares', () => {
    const h = histogramChart([0, 0, 10], [10], 2)!;
    assert.deepEqual(h.edges, [0, 5, 10]);
    assert.deepEqual(h.reference, [2 / 3, 1 / 3]);
    assert.deepEqual(h.current, [0, 1]);
    assert.deepEqual(histogramChart([2, 2], [], 2)?.edges, [1.5, 2, 2.5]);
    assert.equal(histogramChart([], []), null);
  });

  it('draws the most frequent categories and sums the rest', () => {
    const b = barChart({ counts: new Map([['a', 6], ['b', 3], ['c', 1]]), other: 0 }, { counts: new Map([['a', 1], ['d', 1]]), other: 2 }, 2)!;
    assert.deepEqual(b.categories, ['a', 'b']);
    assert.deepEqual(b.reference, [0.6, 0.3]);
    assert.deepEqual(b.current, [0.25, 0]);
    assert.ok(Math.abs(b.rest.reference - 0.1) < 1e-15);
    assert.equal(b.rest.current, 0.75);
  });
});
