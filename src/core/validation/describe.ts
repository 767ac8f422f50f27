/** A short, safe description of a user-supplied value for an error message (never the whole value). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case 'string':
      return v.length > 32 ? `the string ${JSON.stringify(`${v.slice(0, 32)}...`)}` : `the string ${JSON.stringify(v)}`;
    case 'number':
    case 'boolean':
      return `the ${typeof v} ${String(v)}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
