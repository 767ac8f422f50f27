/**
 * A light PromQL checker for the queries in deploy/: not a parser of the whole language, but enough to catch what
 * breaks a dashboard or an alert silently: a metric or label name that does not exist (a rename in
 * src/services/metrics.ts), an unknown function, unbalanced brackets, a counter read without rate(), a range
 * function without a range, histogram_quantile over something that is not a bucket series or that drops `le`.
 * Prometheus's own parser (promtool) is a Go binary this repository does not have; this covers the names, which are
 * what drift between code and assets.
 */
import { LABEL_VALUES, type MetricCatalog } from './metric-catalog.js';

/** One label matcher of a selector. */
export interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

/** One series selector found in an expression. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  /** Whether a range (`[5m]`) follows the selector. */
  readonly ranged: boolean;
}

/** What the checker found in one expression. */
export interface PromQLReport {
  /** Human-readable problems; empty when the expression passes. */
  readonly problems: string[];
  readonly selectors: Selector[];
  /** Every label of every series the expression reads (what `by`, `{{label}}` and `$labels.x` may name). */
  readonly labels: Set<string>;
}

/** Aggregation operators (may take `by` / `without`). */
const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'limitk', 'limit_ratio',
]);

/** Functions that take a range vector. */
const RANGE_FUNCTIONS = new Set([
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'changes', 'resets', 'holt_winters',
  'double_exponential_smoothing', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time',
  'count_over_time', 'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time',
  'present_over_time', 'mad_over_time', 'absent_over_time',
]);

/** Every function Prometheus 2.x/3.x knows that a Mooring query could reasonably use. */
const FUNCTIONS = new Set([
  ...AGGREGATIONS,
  ...RANGE_FUNCTIONS,
  'abs', 'absent', 'ceil', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile',
  'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'hour', 'label_join', 'label_replace', 'ln', 'log2',
  'log10', 'minute', 'month', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc',
  'sqrt', 'time', 'timestamp', 'vector', 'year',
]);

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const BINARY_WORDS = new Set(['and', 'or', 'unless', 'bool', 'atan2']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);
const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '=', '>', '<', '+', '-', '*', '/', '%', '^', ',', '@'];
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+/;
const RANGE_BODY = /^\s*(\d+(ms|s|m|h|d|w|y))+\s*(:\s*((\d+(ms|s|m|h|d|w|y))+)?\s*)?$/;

/** Grafana's built-in interval variables, with a stand-in value so the expression can be checked. */
const GRAFANA_INTERVALS: ReadonlyArray<[RegExp, string]> = [
  [/\$\{?__rate_interval\}?/g, '5m'],
  [/\$\{?__interval\}?/g, '1m'],
  [/\$\{?__range\}?/g, '1h'],
];

/** Replaces Grafana's interval variables (`$__rate_interval`, ...) by durations; template variables stay as they are. */
export function substituteGrafanaIntervals(expr: string): string {
  let out = expr;
  for (const [re, value] of GRAFANA_INTERVALS) out = out.replace(re, value);
  return out;
}

type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'op' | 'range' | 'open' | 'close';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

function tokenize(src: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const rest = src.slice(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += c !== '`' && src[j] === '\\' ? 2 : 1;
      if (j >= src.length) problems.push(`unterminated string starting at ${i}`);
      tokens.push({ kind: 'string', text: src.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '[') {
      const end = src.indexOf(']', i);
      const body = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
      if (end < 0 || body.includes('[')) problems.push(`unclosed "[" at ${i}`);
      tokens.push({ kind: 'range', text: body });
      i = end < 0 ? src.length : end + 1;
    } else if (c === ']') {
      problems.push(`stray "]" at ${i}`);
      i++;
    } else if (c === '(' || c === '{') {
      tokens.push({ kind: 'open', text: c });
      i++;
    } else if (c === ')' || c === '}') {
      tokens.push({ kind: 'close', text: c });
      i++;
    } else if (DURATION.test(rest) && !/^[a-zA-Z0-9_:.]/.test(rest.slice(DURATION.exec(rest)![0].length))) {
      const d = DURATION.exec(rest)![0];
      tokens.push({ kind: 'duration', text: d });
      i += d.length;
    } else if (/^(\d|\.\d)/.test(rest)) {
      const n = /^(0x[0-9a-f]+|\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(rest)![0];
      tokens.push({ kind: 'number', text: n });
      i += n.length;
    } else if (/^[a-zA-Z_:]/.test(rest)) {
      const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest)![0];
      tokens.push({ kind: 'ident', text: id });
      i += id.length;
    } else if (c === '$') {
      problems.push(`template variable outside a string at ${i}: ${/^\$\{?\w+\}?/.exec(rest)?.[0] ?? '$'}`);
      i += /^\$\{?\w+\}?/.exec(rest)?.[0].length ?? 1;
    } else {
      const op = OPERATORS.find((o) => rest.startsWith(o));
      if (op === undefined) {
        problems.push(`unexpected character ${JSON.stringify(c)} at ${i}`);
        i++;
      } else {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
      }
    }
  }
  return tokens;
}

interface Frame {
  readonly bracket: '(' | '{';
  readonly fn: string | null;
  hasRange: boolean;
  bucket: boolean;
  readonly groupings: Array<{ keyword: string; labels: string[] }>;
}

/** Checks the values of a matcher where Mooring's code fixes the label's vocabulary. */
function checkValue(metric: string, m: Matcher, problems: string[]): void {
  const allowed = LABEL_VALUES.get(`${metric}/${m.label}`) ?? LABEL_VALUES.get(`*/${m.label}`);
  if (allowed === undefined || m.value.includes('$')) return;
  let values: string[];
  if (m.op === '=' || m.op === '!=') values = [m.value];
  else if (/^[A-Za-z0-9_|]+$/.test(m.value)) values = m.value.split('|');
  else return;
  for (const v of values) {
    if (!allowed.includes(v)) problems.push(`${metric}{${m.label}${m.op}"${m.value}"}: "${v}" is not one of ${allowed.join(', ')}`);
  }
}

/** How strict the check is. */
export interface LintOptions {
  /**
   * Allow a counter without rate(): for series lookups such as Grafana's `label_values(selector, label)`, which
   * read label values, not samples.
   */
  readonly seriesLookup?: boolean;
}

/** Checks one PromQL expression against the catalog. Grafana interval variables must be substituted first. */
export function lintPromQL(expr: string, catalog: MetricCatalog, options: LintOptions = {}): PromQLReport {
  const problems: string[] = [];
  const selectors: Selector[] = [];
  const labels = new Set<string>();
  const groupingLabels: Array<{ keyword: string; label: string }> = [];
  if (expr.trim() === '') return { problems: ['empty expression'], selectors, labels };
  const tokens = tokenize(expr, problems);
  const stack: Frame[] = [];
  let pendingFn: string | null = null;
  const innermostParen = (): Frame | undefined => [...stack].reverse().find((f) => f.bracket === '(');

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'ident') {
      const word = t.text;
      const lower = word.toLowerCase();
      if (GROUPING.has(lower)) {
        if (next?.kind !== 'open' || next.text !== '(') {
          if (lower !== 'group_left' && lower !== 'group_right') problems.push(`"${word}" without a label list`);
          continue;
        }
        const list: string[] = [];
        let j = i + 2;
        for (; j < tokens.length; j++) {
          const u = tokens[j]!;
          if (u.kind === 'close' && u.text === ')') break;
          if (u.kind === 'ident') list.push(u.text);
          else if (!(u.kind === 'op' && u.text === ',')) problems.push(`unexpected "${u.text}" in ${word}(...)`);
        }
        if (j >= tokens.length) problems.push(`unclosed ${word}(`);
        for (const label of list) groupingLabels.push({ keyword: lower, label });
        for (const f of stack) if (f.fn === 'histogram_quantile') f.groupings.push({ keyword: lower, labels: list });
        i = j;
        continue;
      }
      if (BINARY_WORDS.has(lower) || lower === 'inf' || lower === 'nan') continue;
      if (lower === 'offset') {
        const d = next?.kind === 'op' && next.text === '-' ? tokens[i + 2] : next;
        if (d?.kind !== 'duration') problems.push('"offset" without a duration');
        continue;
      }
      const isCall = next?.kind === 'open' && next.text === '(';
      const isAggregation = AGGREGATIONS.has(word) && next?.kind === 'ident' && GROUPING.has(next.text.toLowerCase());
      if (isCall || isAggregation) {
        if (!FUNCTIONS.has(word)) problems.push(`unknown function ${word}()`);
        pendingFn = word;
        continue;
      }
      // A metric name.
      const series = catalog.series(word);
      if (series === null) problems.push(`unknown metric ${word}`);
      else {
        for (const l of series.labels) labels.add(l);
        if (word.endsWith('_bucket')) for (const f of stack) if (f.fn === 'histogram_quantile') f.bucket = true;
      }
      const matchers: Matcher[] = [];
      let j = i + 1;
      if (next?.kind === 'open' && next.text === '{') {
        j = i + 2;
        while (j < tokens.length && !(tokens[j]!.kind === 'close' && tokens[j]!.text === '}')) {
          const name = tokens[j];
          const op = tokens[j + 1];
          const value = tokens[j + 2];
          if (name?.kind !== 'ident' || op?.kind !== 'op' || !MATCH_OPS.has(op.text) || value?.kind !== 'string') {
            problems.push(`malformed matcher in ${word}{...} near "${name?.text ?? ''}"`);
            while (j < tokens.length && !(tokens[j]!.kind === 'close')) j++;
            break;
          }
          matchers.push({ label: name.text, op: op.text, value: value.text });
          j += 3;
          if (tokens[j]?.kind === 'op' && tokens[j]!.text === ',') j++;
        }
        if (tokens[j]?.text !== '}') problems.push(`unclosed "{" after ${word}`);
        j++;
      }
      const ranged = tokens[j]?.kind === 'range';
      if (series !== null) {
        for (const m of matchers) {
          if (!series.labels.has(m.label)) problems.push(`${word} has no label "${m.label}" (it has ${[...series.labels].join(', ')})`);
          else checkValue(series.family.name, m, problems);
        }
        if (series.monotonic && !ranged && options.seriesLookup !== true) problems.push(`${word} is a counter: read it through rate() or increase() with a range`);
      }
      selectors.push({ metric: word, matchers, ranged });
      i = j - 1;
      continue;
    }
    if (t.kind === 'open') {
      if (t.text === '{') {
        problems.push('a selector without a metric name');
        let j = i;
        while (j < tokens.length && tokens[j]!.text !== '}') j++;
        i = j;
        continue;
      }
      stack.push({ bracket: '(', fn: pendingFn, hasRange: false, bucket: false, groupings: [] });
      pendingFn = null;
      continue;
    }
    pendingFn = null;
    if (t.kind === 'close') {
      const f = stack.pop();
      if (f === undefined || t.text !== ')') {
        problems.push(`unbalanced "${t.text}"`);
        continue;
      }
      if (f.fn !== null && RANGE_FUNCTIONS.has(f.fn) && !f.hasRange) problems.push(`${f.fn}() needs a range vector ([5m])`);
      if (f.fn === 'histogram_quantile') {
        if (!f.bucket) problems.push('histogram_quantile() over no _bucket series');
        for (const g of f.groupings) {
          if (g.keyword === 'by' && !g.labels.includes('le')) problems.push(`histogram_quantile() aggregates by (${g.labels.join(', ')}) without le`);
          if (g.keyword === 'without' && g.labels.includes('le')) problems.push('histogram_quantile() aggregates without le');
        }
      }
      continue;
    }
    if (t.kind === 'range') {
      if (!RANGE_BODY.test(t.text)) problems.push(`bad range [${t.text}]`);
      const f = innermostParen();
      if (f !== undefined) f.hasRange = true;
    }
  }
  if (stack.length > 0) problems.push(`${stack.length} unclosed "("`);
  for (const g of groupingLabels) {
    if (!labels.has(g.label)) problems.push(`${g.keyword} (${g.label}): no series in the expression has label "${g.label}"`);
  }
  return { problems, selectors, labels };
}
