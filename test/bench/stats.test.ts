import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWarmupS, leastSquaresSlope, memoryTrend } from '../../bench/stats.js';
import type { MemorySample } from '../../bench/stats.js';

describe('leastSquaresSlope', () => {
  it('recovers the slope of a straight line', () => {
    const xs = [0, 1, 2, 3, 4];
    assert.equal(leastSquaresSlope(xs, xs.map((x) => 3 * x + 7)), 3);
  });

  it('fits noisy points by least squares', () => {
    // y = x with +1/-1 noise alternating: the fit through (0,1) (1,0) (2,3) (3,2) has slope 0.6
    assert.ok(Math.abs(leastSquaresSlope([0, 1, 2, 3], [1, 0, 3, 2]) - 0.6) < 1e-12);
  });

  it('is NaN with fewer than two points or no spread in x, and skips non-finite pairs', () => {
    assert.ok(Number.isNaN(leastSquaresSlope([1], [2])));
    assert.ok(Number.isNaN(leastSquaresSlope([2, 2, 2], [1, 2, 3])));
    assert.equal(leastSquaresSlope([0, 1, Number.NaN, 2], [0, 2, 100, 4]), 2);
  });
});

describe('memoryTrend', () => {
  it('fits only the samples after the warm-up and reports MB per 10 minutes', () => {
    const samples: MemorySample[] = [];
    for (let t = 0; t <= 600; t += 5) {
      // steep growth during the first 2 minutes, then 0.05 MB per minute
      const rssMB = t < 120 ? 100 + t : 220 + ((t - 120) / 60) * 0.05;
      samples.push({ t, rssMB, heapMB: Number.NaN });
    }
    const trend = memoryTrend(samples, 120);
    assert.ok(Math.abs(trend.rssSlopePer10Min - 0.5) < 1e-9);
    assert.ok(Number.isNaN(trend.heapSlopePer10Min));
    assert.equal(trend.rssFirst, 220);
    assert.equal(trend.samples, 97);
    assert.ok(trend.rssMax >= trend.rssLast);
  });

  it('warms up for 2 minutes, or 20% of a shorter run', () => {
    assert.equal(defaultWarmupS(10), 120);
    assert.equal(defaultWarmupS(30), 120);
    assert.equal(defaultWarmupS(1), 12);
  });
});
