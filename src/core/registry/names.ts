import { fail } from '../errors.js';

/**
 * Naming rules of the registry. Aliases follow MLflow's rules so users carry their habits over: `^[\w-]+$`, at
 * most 255 characters, `latest` and `v<N>` reserved because `name@latest` and `name@v3` already mean something.
 */

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ALIAS = /^[\w-]{1,255}$/;
const RESERVED_ALIAS = /^(latest|v\d+)$/i;
const TAG_KEY = /^[A-Za-z0-9_.\-/:]{1,250}$/;

/** The alias served when a request names no version. */
export const PRODUCTION_ALIAS = 'production';

/** Throws INVALID_NAME unless `name` is a valid model name (it appears in URL paths and file names). */
export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name) || name.includes('..')) {
    throw fail('INVALID_NAME', `invalid model name ${JSON.stringify(name)}: use 1-128 of [A-Za-z0-9_.-], starting with a letter or digit`, {
      name,
    });
  }
}

/** Throws INVALID_ALIAS unless `alias` may be set by a user. */
export function assertAlias(alias: string): void {
  if (!ALIAS.test(alias)) {
    throw fail('INVALID_ALIAS', `invalid alias ${JSON.stringify(alias)}: aliases match ^[\\w-]+$ and have at most 255 characters`, {
      alias,
    });
  }
  if (RESERVED_ALIAS.test(alias)) {
    throw fail('INVALID_ALIAS', `alias ${JSON.stringify(alias)} is reserved: 'latest' and 'v<N>' already name versions`, { alias });
  }
}

/** Throws INVALID_NAME unless `key` is a valid tag key. */
export function assertTagKey(key: string): void {
  if (!TAG_KEY.test(key)) {
    throw fail('INVALID_NAME', `invalid tag key ${JSON.stringify(key)}: use 1-250 of [A-Za-z0-9_.-/:]`, { key });
  }
}

/** Parses a version given as text or number; throws INVALID_VERSION unless it is a whole number >= 1. */
export function parseVersion(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw fail('INVALID_VERSION', `invalid version ${JSON.stringify(value)}: versions are whole numbers from 1`, { version: value });
  }
  return n;
}

/** How a reference names a version: a number, an alias, or `latest`. */
export type VersionSelector =
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'latest' };

/** A parsed `NAME`, `NAME@ALIAS`, `NAME@latest`, `NAME@v3` or `NAME/3` reference. */
export interface ModelRef {
  readonly name: string;
  readonly selector: VersionSelector;
}

/**
 * Parses a model reference as users write it in the CLI and API. A bare name selects `production`.
 * `name@v3` and `name/3` select version 3, `name@latest` the highest version.
 */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  const slash = ref.indexOf('/');
  if (at >= 0) {
    const name = ref.slice(0, at);
    assertModelName(name);
    return { name, selector: selectorAfterAt(ref.slice(at + 1)) };
  }
  if (slash >= 0) {
    const name = ref.slice(0, slash);
    assertModelName(name);
    return { name, selector: { kind: 'version', version: parseVersion(ref.slice(slash + 1)) } };
  }
  assertModelName(ref);
  return { name: ref, selector: { kind: 'alias', alias: PRODUCTION_ALIAS } };
}

/**
 * A model and the version segment of a URL (`/versions/{v}`): digits select that version; otherwise the segment
 * reads as after `@` (`latest`, `v<N>`, or an alias name).
 */
export function parseSelector(name: string, segment: string): ModelRef {
  assertModelName(name);
  if (/^\d{1,15}$/.test(segment)) return { name, selector: { kind: 'version', version: parseVersion(segment) } };
  return { name, selector: selectorAfterAt(segment) };
}

/** Writes a reference back in the form `parseModelRef` reads (`name/3`, `name@latest`, `name@canary`). */
export function formatModelRef(ref: ModelRef): string {
  const s = ref.selector;
  if (s.kind === 'version') return `${ref.name}/${s.version}`;
  return `${ref.name}@${s.kind === 'latest' ? 'latest' : s.alias}`;
}

/** What follows `@`: `latest`, `v<N>`, or an alias name (any `^[\w-]+$` text, which may be set later). */
function selectorAfterAt(alias: string): VersionSelector {
  if (alias.toLowerCase() === 'latest') return { kind: 'latest' };
  const v = /^v(\d+)$/i.exec(alias);
  if (v) return { kind: 'version', version: parseVersion(v[1]!) };
  if (!/^[\w-]{1,255}$/.test(alias)) assertAlias(alias);
  return { kind: 'alias', alias };
}
