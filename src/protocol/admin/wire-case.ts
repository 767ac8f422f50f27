import { fail } from '../../core/errors.js';

/**
 * camelCase domain objects <-> snake_case wire objects, for the structured values the admin API carries whole
 * (deployment policies, training profiles). Only for objects whose keys are field names, never user data: both
 * contracts promise that (a profile's categories are `{value, count}` lists, not objects keyed by category).
 * The mapped type follows the domain type, so a field added to the policy schema appears on the wire without a
 * hand-written mapping to forget.
 */

type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}`
  : S;

/** `T` with every object key, at every depth, in snake_case (and nothing readonly). */
export type SnakeKeys<T> = T extends readonly (infer U)[]
  ? SnakeKeys<U>[]
  : T extends object
    ? { -readonly [K in keyof T as K extends string ? SnakeCase<K> : K]: SnakeKeys<T[K]> }
    : T;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapKeys(value: unknown, rename: (key: string, where: string) => string, where: string): unknown {
  if (Array.isArray(value)) {
    // Arrays of numbers (profile samples) are the bulk of a profile: copied in one pass, no per-element calls.
    if (value.every((v) => typeof v !== 'object' || v === null)) return value.slice();
    return value.map((v, i) => mapKeys(v, rename, `${where}[${i}]`));
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const path = where === '' ? key : `${where}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) throw fail('INVALID_REQUEST', `${path} is not a known field`, { field: path });
    out[rename(key, path)] = mapKeys(value[key], rename, path);
  }
  return out;
}

/** A domain object with its keys in snake_case, for the wire. */
export function toSnakeKeys<T>(value: T): SnakeKeys<T> {
  return mapKeys(value, (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), '') as SnakeKeys<T>;
}

/**
 * A wire object with its keys in camelCase, for the domain. A key with an upper-case letter is refused
 * (INVALID_REQUEST naming it): on the wire every field is snake_case, and a camelCase spelling that happened to
 * work would be an undocumented second name. `root` names the value in that message (e.g. `policy`).
 */
export function fromSnakeKeys(value: unknown, root: string): unknown {
  return mapKeys(
    value,
    (key, path) => {
      if (/[A-Z]/.test(key)) throw fail('INVALID_REQUEST', `${path} is not a known field: fields are snake_case`, { field: path });
      return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    },
    root,
  );
}
