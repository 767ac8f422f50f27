/**
 * A structural scan of raw JSON text for what `JSON.parse` accepts silently but Mooring refuses: nesting deeper
 * than a limit, the same key twice in one object (`JSON.parse` keeps the last value; other parsers keep the first
 * or fail, so a body that means different things to different readers is refused), and the prototype keys
 * `__proto__` and `constructor.prototype` (harmless to `JSON.parse`, a trap for any code that later merges them).
 *
 * It runs on every request body, so it is one `charCodeAt` loop with no recursion (100,000 levels cost nothing but
 * the loop) and no allocation on the good path; string contents are skipped with `indexOf`, and only a string
 * followed by ':' inside an object is looked at as a key. Keys are compared by their offsets in the text; a key
 * containing a backslash is decoded once (rare) so that `"a"` and `"\u0061"` are the same key. Up to `SMALL_OBJECT`
 * keys an object's keys are compared pairwise; past that they move to a Set, so a hostile object of a million keys
 * costs linear time. The JSON path of a problem is worked out only when there is one, by a second pass up to the
 * problem's offset.
 *
 * The scan does not validate JSON: on text that is not JSON it still terminates, never throws and reads nothing
 * outside the text, but what it reports then is unspecified (the caller's `JSON.parse` has the last word).
 */

/** What the scan found; `path` is where, in `$.inputs[0].data` notation (long paths are shortened with `...`). */
export interface JsonScanProblem {
  /** `too-deep`: a value opens level `maxDepth + 1`; `duplicate-key` / `forbidden-key`: a key of an object. */
  readonly kind: 'too-deep' | 'duplicate-key' | 'forbidden-key';
  /** Offset in the text of the bracket that went too deep, or of the key's opening quote. */
  readonly offset: number;
  /** The decoded key (`constructor.prototype` for that pair); empty for `too-deep`. */
  readonly key: string;
  /**
   * For `too-deep`, the path of the value that is too deep; for a key, the path of the object holding it (for
   * `constructor.prototype`, of the object holding "constructor").
   */
  readonly path: string;
}

/** Scans one JSON text; null when nothing is wrong. */
export type JsonScanner = (text: string) => JsonScanProblem | null;

/** Options of `createJsonScanner`. */
export interface JsonScanOptions {
  /** Most levels of `[` / `{` nesting accepted: `{}` is 1 level, `{"a":[1]}` is 2. */
  readonly maxDepth: number;
}

/** Objects with more keys than this check duplicates with a Set (pairwise comparison is faster below it). */
const SMALL_OBJECT = 8;
const OBJECT = 1;
const ARRAY = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * A scanner for texts nested at most `maxDepth` levels. Its scratch space is allocated once here and reused by every
 * call (a scan is synchronous, so calls never overlap).
 */
export function createJsonScanner(options: JsonScanOptions): JsonScanner {
  const maxDepth = options.maxDepth;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError(`maxDepth must be a whole number >= 1, got ${maxDepth}`);
  // Per open level (1..maxDepth): container kind, where its keys start on the key stack, whether it is the value
  // of a "constructor" key, and its key Set once it has more than SMALL_OBJECT keys.
  const kinds = new Uint8Array(maxDepth + 1);
  const base = new Int32Array(maxDepth + 1);
  const ctor = new Uint8Array(maxDepth + 1);
  const sets: Array<Set<string> | undefined> = new Array<Set<string> | undefined>(maxDepth + 1).fill(undefined);
  // The key stack: start and end offsets (between the quotes) of the keys of every open object with at most
  // SMALL_OBJECT keys; a negative end marks a key with an escape in it, whose decoded text is in `names` (decoded
  // once, so hostile escaped keys cost one decode each). At most SMALL_OBJECT entries per level.
  let capacity = Math.min(SMALL_OBJECT * (maxDepth + 1), 1024);
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  const names: string[] = [];

  // Per scan: the open depth, the key stack's top, how many key Sets are open, and the most recent key (a `{`
  // right after it is that key's value): its offsets, and its decoded text if escaped.
  let depth = 0;
  let top = 0;
  let openSets = 0;
  let lastStart = 0;
  let lastEnd = 0;
  let lastName: string | undefined;

  return function scan(text: string): JsonScanProblem | null {
    const n = text.length;
    depth = 0;
    top = 0;
    openSets = 0;
    lastStart = 0;
    lastEnd = 0;
    lastName = undefined;
    // Whether the innermost open container is an object (only there can a string be a key).
    let inObject = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Digits, signs, '.', ',', ':', whitespace and the letters of an exponent are most of a tensor body; none
      // of them matters here, and all of them sit below '['.
      if (c < OPEN_BRACKET) {
        if (c !== QUOTE) continue;
        const start = i + 1;
        const j = stringEnd(text, start, n);
        i = j;
        if (!inObject) continue;
        // In an object, a string followed by ':' is a key.
        let k = j + 1;
        let d = text.charCodeAt(k);
        while (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) d = text.charCodeAt(++k);
        if (d !== COLON) continue;
        const p = key(text, start, j);
        if (p !== null) return p;
      } else if (c === OPEN_BRACE) {
        // The value of a "constructor" key: its "prototype" key is refused.
        const isCtor =
          inObject &&
          (lastName !== undefined ? lastName === 'constructor' : lastEnd - lastStart === 11 && text.startsWith('constructor', lastStart));
        if (++depth > maxDepth) return problem(text, 'too-deep', i, '', 0);
        kinds[depth] = OBJECT;
        base[depth] = top;
        ctor[depth] = isCtor ? 1 : 0;
        inObject = true;
      } else if (c === OPEN_BRACKET) {
        if (++depth > maxDepth) return problem(text, 'too-deep', i, '', 0);
        kinds[depth] = ARRAY;
        inObject = false;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        // More closers than openers: not JSON; leave it to the parser.
        if (depth === 0) return null;
        if (inObject) {
          top = base[depth]!;
          if (openSets > 0 && sets[depth] !== undefined) {
            sets[depth] = undefined;
            openSets--;
          }
        }
        depth--;
        inObject = kinds[depth] === OBJECT;
      }
    }
    // Drop what this scan kept (key Sets left open by a truncated text, decoded keys) so nothing outlives it.
    if (openSets > 0) sets.fill(undefined);
    if (names.length > 0) names.length = 0;
    return null;
  };

  /** Checks the key between offsets `start` and `end` of the innermost (object) level and records it. */
  function key(text: string, start: number, j: number): JsonScanProblem | null {
    let escaped = false;
    for (let m = start; m < j; m++) {
      if (text.charCodeAt(m) === BACKSLASH) {
        escaped = true;
        break;
      }
    }
    // The key's decoded text: worked out once for an escaped key, and for a plain one only when needed.
    let name = escaped ? decodeKey(text, start, j) : undefined;
    lastStart = start;
    lastEnd = j;
    lastName = name;
    // Prototype keys: only keys of 9 characters, or escaped ones, can spell them.
    if (name !== undefined || j - start === 9) {
      const forbidden = forbiddenKey(text, start, j, name, ctor[depth] === 1);
      // `constructor.prototype` is reported at the object holding "constructor", one level further out.
      if (forbidden !== null) return problem(text, 'forbidden-key', start - 1, forbidden, forbidden === '__proto__' ? 1 : 2);
    }
    const set = sets[depth];
    if (set !== undefined) {
      name ??= text.slice(start, j);
      if (set.has(name)) return problem(text, 'duplicate-key', start - 1, name, 1);
      set.add(name);
      return null;
    }
    const b = base[depth]!;
    for (let k = b; k < top; k++) {
      const e = ends[k]!;
      const same =
        e >= 0 && !escaped
          ? sameText(text, starts[k]!, e, start, j)
          : (e < 0 ? names[k] : text.slice(starts[k]!, e)) === (name ??= text.slice(start, j));
      if (same) return problem(text, 'duplicate-key', start - 1, name ?? text.slice(start, j), 1);
    }
    if (top - b === SMALL_OBJECT) {
      const keys = new Set<string>();
      for (let k = b; k < top; k++) {
        const e = ends[k]!;
        keys.add(e < 0 ? names[k]! : text.slice(starts[k]!, e));
      }
      keys.add(name ?? text.slice(start, j));
      sets[depth] = keys;
      openSets++;
      return null;
    }
    if (top === capacity) {
      capacity *= 2;
      const ns = new Int32Array(capacity);
      ns.set(starts);
      starts = ns;
      const ne = new Int32Array(capacity);
      ne.set(ends);
      ends = ne;
    }
    starts[top] = start;
    if (escaped) {
      ends[top] = -j;
      names[top] = name!;
    } else {
      ends[top] = j;
    }
    top++;
    return null;
  }

  /** The error path: drops the key Sets and decoded keys (the next scan starts clean) and works out the path. */
  function problem(text: string, kind: JsonScanProblem['kind'], offset: number, key: string, outer: number): JsonScanProblem {
    sets.fill(undefined);
    names.length = 0;
    return { kind, offset, key, path: jsonPathAt(text, offset, outer) };
  }
}

/**
 * The offset of the quote closing the string whose contents start at `from` (or `n` when unterminated): `indexOf`
 * (vectorized) to the next quote, skipping quotes escaped by an odd run of backslashes.
 */
function stringEnd(text: string, from: number, n: number): number {
  let j = text.indexOf('"', from);
  while (j > 0 && text.charCodeAt(j - 1) === BACKSLASH) {
    let k = j - 1;
    while (k >= from && text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) break;
    j = text.indexOf('"', j + 1);
  }
  return j < 0 ? n : j;
}

/** The text of the key with escapes between `start` and `end` (a JSON.parse of the quoted key). */
function decodeKey(text: string, start: number, end: number): string {
  try {
    return JSON.parse(text.slice(start - 1, end + 1)) as string;
  } catch {
    // Not a valid JSON string (the text is not JSON): compare it raw.
    return text.slice(start, end);
  }
}

/** The key between `start` and `end`, decoded when `escaped`. */
function keyText(text: string, start: number, end: number, escaped: boolean): string {
  return escaped ? decodeKey(text, start, end) : text.slice(start, end);
}

/** Whether text[s1, e1) and text[s2, e2) are the same characters. */
function sameText(text: string, s1: number, e1: number, s2: number, e2: number): boolean {
  const len = e1 - s1;
  if (len !== e2 - s2) return false;
  // Long keys: slices are views and === compares natively (a hostile body of megabyte keys stays cheap).
  if (len > 32) return text.slice(s1, e1) === text.slice(s2, e2);
  for (let m = 0; m < len; m++) if (text.charCodeAt(s1 + m) !== text.charCodeAt(s2 + m)) return false;
  return true;
}

/**
 * `__proto__`, or `constructor.prototype` when the object is a "constructor" key's value; else null. `name` is the
 * decoded key when it has escapes (undefined for a plain key, which is compared in place).
 */
function forbiddenKey(text: string, start: number, end: number, name: string | undefined, inConstructor: boolean): string | null {
  if (name !== undefined) {
    if (name === '__proto__') return name;
    return inConstructor && name === 'prototype' ? 'constructor.prototype' : null;
  }
  if (end - start !== 9) return null;
  if (text.startsWith('__proto__', start)) return '__proto__';
  return inConstructor && text.startsWith('prototype', start) ? 'constructor.prototype' : null;
}

/** Path segments shown at each end of a long path. */
const PATH_HEAD = 4;
const PATH_TAIL = 4;
const KEY_PREVIEW = 32;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The JSON path of the position `offset` (a structural position: a bracket or a key's opening quote) in `text`:
 * the segments of every level open there, less the `outer` innermost ones (1 gives the path of the object whose key
 * starts at `offset`). Walks the text once up to `offset`, tracking array indices and current keys; long paths keep
 * their first and last segments around a count of the ones left out.
 */
export function jsonPathAt(text: string, offset: number, outer = 0): string {
  const kinds: number[] = [0];
  const index: number[] = [0];
  const keys: Array<string | undefined> = [undefined];
  let depth = 0;
  let expectKey = false;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let j = start;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          j++;
        }
      }
      i = j;
      if (expectKey) {
        keys[depth] = keyText(text, start, j, escaped);
        expectKey = false;
      }
    } else if (c === COMMA) {
      if (kinds[depth] === ARRAY) index[depth]!++;
      else expectKey = kinds[depth] === OBJECT;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      kinds[depth] = c === OPEN_BRACE ? OBJECT : ARRAY;
      index[depth] = 0;
      keys[depth] = undefined;
      expectKey = c === OPEN_BRACE;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && depth > 0) {
      depth--;
      expectKey = false;
    }
  }
  const levels = depth - outer;
  const segments: string[] = [];
  for (let d = 1; d <= levels; d++) {
    if (kinds[d] === ARRAY) segments.push(`[${index[d]}]`);
    else segments.push(keySegment(keys[d] ?? ''));
  }
  if (segments.length > PATH_HEAD + PATH_TAIL + 1) {
    const hidden = segments.length - PATH_HEAD - PATH_TAIL;
    return `$${segments.slice(0, PATH_HEAD).join('')}...(${hidden} more)...${segments.slice(-PATH_TAIL).join('')}`;
  }
  return `$${segments.join('')}`;
}

/** `.name` for identifier-like keys, `["any key"]` otherwise (long keys cut short). */
function keySegment(key: string): string {
  if (IDENTIFIER.test(key) && key.length <= KEY_PREVIEW) return `.${key}`;
  return `[${JSON.stringify(key.length > KEY_PREVIEW ? `${key.slice(0, KEY_PREVIEW)}...` : key)}]`;
}
