import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SOAK_SUMMARY_PREFIX, pairedRatiosOf, readSoakVerdict, writeSection } from '../../bench/report.js';
import type { Sample } from '../../bench/report.js';

const dir = mkdtempSync(join(tmpdir(), 'mooring-bench-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeSection', () => {
  it('replaces only the text between the markers and keeps the prose', () => {
    const file = join(dir, 'README.md');
    writeFileSync(file, '# Bench\n\nprose\n\n<!-- a:start -->\nold\n<!-- a:end -->\n\ntail\n');
    writeSection(file, '<!-- a:start -->', '<!-- a:end -->', 'new');
    assert.equal(readFileSync(file, 'utf8'), '# Bench\n\nprose\n\n<!-- a:start -->\nnew\n<!-- a:end -->\n\ntail\n');
  });

  it('appends the markers when the file has none', () => {
    const file = join(dir, 'plain.md');
    writeFileSync(file, '# Bench\n');
    writeSection(file, '<!-- b:start -->', '<!-- b:end -->', 'section');
    assert.equal(readFileSync(file, 'utf8'), '# Bench\n\n<!-- b:start -->\nsection\n<!-- b:end -->\n');
  });
});

describe('readSoakVerdict', () => {
  it('reads back the line the soak writes, and null when there is none', () => {
    const verdict = { date: '2026-11-25T10:00:00.000Z', minutes: 10, slopeMBPer10Min: 0.25, met: true };
    assert.deepEqual(readSoakVerdict(`text\n${SOAK_SUMMARY_PREFIX}${JSON.stringify(verdict)} -->\n`), verdict);
    assert.equal(readSoakVerdict('no soak here'), null);
  });
});

describe('pairedRatiosOf', () => {
  it('divides within each round only', () => {
    const s = (scenario: string, round: number, rps: number): Sample =>
      ({ scenario, round, position: 1, rps } as Partial<Sample> as Sample);
    const samples = [s('a', 1, 100), s('b', 1, 50), s('a', 2, 90), s('b', 2, 90), s('a', 3, 10)];
    assert.deepEqual(pairedRatiosOf(samples, 'a', 'b'), [2, 1]);
  });
});
