/**
 * One wording for "which field is wrong, and how" when a zod schema refuses a value, so every refusal names the
 * field the way a user wrote it: `features[2].encoding.categories`, `validation.range_tolerance`.
 */

/** The part of a zod issue this needs (zod's own issue type is wider and version-specific). */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Options of `describeIssue`. */
export interface DescribeOptions {
  /** Written before the path, e.g. `features`; the path is appended as `.key` or `[i]`. */
  readonly root: string;
  /** Renames each object key of the path (e.g. camelCase to the wire's snake_case); default: as is. */
  readonly key?: (key: string) => string;
}

/** `root.a[2].b: message` for an issue at path ['a', 2, 'b']. */
export function describeIssue(issue: SchemaIssue, options: DescribeOptions): string {
  return `${issuePath(issue.path, options)}: ${issue.message}`;
}

/** The issue's path as text: `root.a[2].b`. */
export function issuePath(path: readonly PropertyKey[], options: DescribeOptions): string {
  let where = options.root;
  for (const p of path) {
    if (typeof p === 'number') where += `[${p}]`;
    else {
      const key = options.key ? options.key(String(p)) : String(p);
      where += where === '' ? key : `.${key}`;
    }
  }
  return where === '' ? '(root)' : where;
}

/** `rangeTolerance` -> `range_tolerance`: how a domain field is named on the wire and to users. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
