/**
 * The conditions of the `rules` fallback: checked against the feature they name and compiled once into a test of
 * one row's value. A missing value (null) satisfies only `missing`; every other op is false on it (`ne` and
 * `not_in` included: "not 'pro'" says nothing about a customer whose plan is unknown).
 */

import type { RuleCondition } from '../deployment/policy.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import type { ColumnValue } from '../monitoring/row-extraction.js';
import { describeValue } from '../validation/describe.js';

/** Whether one row's value of the condition's feature satisfies the condition. */
export type ValueTest = (value: ColumnValue) => boolean;

/** Why a condition does not fit its feature: the field at fault (`op`, `value`, `value[2]`) and what is wrong. */
export interface ConditionProblem {
  readonly field: string;
  readonly problem: string;
}

const NUMERIC_OPS = new Set<string>(['lt', 'le', 'gt', 'ge']);

/**
 * The test of `condition` on values of `feature`, or why the condition does not fit it. Numerical features are
 * compared as numbers (ordering ops only there); categorical values arrive as strings (`String(v)`, as the row
 * extractor gives them), so they are compared with `String(value)`.
 */
export function compileCondition(condition: RuleCondition, feature: FeatureSpec): ValueTest | ConditionProblem {
  const { op, value } = condition;
  const numerical = feature.type === 'numerical';
  if (op === 'missing') {
    if (value !== undefined) return { field: 'value', problem: `missing takes no value, got ${describeValue(value)}` };
    return (v) => normalize(v, numerical) === null;
  }
  if (value === undefined) return { field: 'value', problem: `${op} needs a value` };
  if (NUMERIC_OPS.has(op)) {
    if (!numerical) return { field: 'op', problem: `${op} compares numbers, but feature "${feature.name}" is categorical` };
    if (!isFiniteNumber(value)) return { field: 'value', problem: `${op} needs a number, got ${describeValue(value)}` };
    return orderTest(op, value);
  }
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value)) return { field: 'value', problem: `${op} needs a list of values, got ${describeValue(value)}` };
    const members = new Set<number | string>();
    for (let j = 0; j < value.length; j++) {
      const m = operand(value[j], feature);
      if (typeof m === 'object') return { field: `value[${j}]`, problem: m.problem };
      members.add(m);
    }
    const inside = op === 'in';
    return (v) => {
      const n = normalize(v, numerical);
      return n !== null && members.has(n) === inside;
    };
  }
  // eq, ne
  const target = operand(value, feature);
  if (typeof target === 'object') return { field: 'value', problem: target.problem };
  const equal = op === 'eq';
  return (v) => {
    const n = normalize(v, numerical);
    return n !== null && (n === target) === equal;
  };
}

function orderTest(op: string, bound: number): ValueTest {
  switch (op) {
    case 'lt':
      return (v) => typeof v === 'number' && v < bound;
    case 'le':
      return (v) => typeof v === 'number' && v <= bound;
    case 'gt':
      return (v) => typeof v === 'number' && v > bound;
    default:
      return (v) => typeof v === 'number' && v >= bound;
  }
}

/** A value to compare by equality with a feature: a number for a numerical feature, `String(value)` otherwise. */
function operand(value: unknown, feature: FeatureSpec): number | string | { problem: string } {
  if (feature.type === 'numerical') {
    if (isFiniteNumber(value)) return value + 0; // -0 and 0 are one value, as the extractor gives them
    return { problem: `feature "${feature.name}" is numerical, so it is compared with numbers, got ${describeValue(value)}` };
  }
  if (typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value)) return String(value);
  return { problem: `feature "${feature.name}" is categorical, so it is compared with a string, number or boolean, got ${describeValue(value)}` };
}

/** A row value as the condition compares it: a finite number (numerical), a string (categorical), or null. */
function normalize(v: ColumnValue, numerical: boolean): number | string | null {
  if (v === null) return null;
  if (numerical) return typeof v === 'number' && Number.isFinite(v) ? v + 0 : null;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  return v;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
