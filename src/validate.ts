// Argument checks for the public API. Every message names the argument, the rule and the
// offending value; wrong types throw TypeError, wrong values or shapes RangeError.

/** A value already described in words, shown as is in an error message. */
export class Described {
  constructor(readonly text: string) {}
}

/** Formats a value for an error message: short, and exact for numbers. */
export function show(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return "a symbol";
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Float64Array).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return "an object";
  return String(value);
}

export function typeError(name: string, rule: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${rule}; got ${show(value)}`);
}

export function rangeError(name: string, rule: string, value: unknown): RangeError {
  return new RangeError(`${name} must be ${rule}; got ${show(value)}`);
}

/** A finite number (not NaN, not +-Infinity). */
export function finite(name: string, value: unknown): number {
  if (typeof value !== "number") throw typeError(name, "a number", value);
  if (!Number.isFinite(value)) throw rangeError(name, "a finite number", value);
  return value;
}

/** A finite number > 0. */
export function positive(name: string, value: unknown): number {
  const x = finite(name, value);
  if (!(x > 0)) throw rangeError(name, "positive", x);
  return x;
}

/** finite() for entry i (or [i][j]) of an array `name`; the name is built only on failure. */
function entry(name: string, value: unknown, i: number, j = -1): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return finite(j < 0 ? `${name}[${i}]` : `${name}[${i}][${j}]`, value);
}

/** A copy of a flat array of finite numbers (entry i named `${name}[${i}]` if it is not one). */
function finiteCopy(name: string, value: readonly unknown[] | Float64Array | Float32Array): Float64Array {
  if (value instanceof Float64Array) {
    const data = value.slice();
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) entry(name, data[i], i);
    return data;
  }
  const data = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) data[i] = entry(name, value[i], i);
  return data;
}

/** A finite number in [min, max] (either bound may be open). */
export function inRange(
  name: string,
  value: unknown,
  min: number,
  max: number,
  { openMin = false, openMax = false } = {},
): number {
  const x = finite(name, value);
  if (openMin ? x <= min : x < min) throw rangeError(name, `${openMin ? ">" : ">="} ${min}`, x);
  if (openMax ? x >= max : x > max) throw rangeError(name, `${openMax ? "<" : "<="} ${max}`, x);
  return x;
}

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number") throw typeError(name, "an integer", value);
  if (!Number.isInteger(value)) throw rangeError(name, "an integer", value);
  if (value < min || value > max) throw rangeError(name, `an integer in [${min}, ${max}]`, value);
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw typeError(name, "a boolean", value);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== "string") throw typeError(name, `one of ${choices.map((c) => `'${c}'`).join(", ")}`, value);
  if (!(choices as readonly string[]).includes(value))
    throw rangeError(name, `one of ${choices.map((c) => `'${c}'`).join(", ")}`, value);
  return value as T;
}

export function options(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value) || ArrayBuffer.isView(value)) throw typeError(name, "an object", value);
  return value as Record<string, unknown>;
}

/** Rejects keys an options object does not know (catches typos like `gridsize`). */
export function knownKeys(name: string, value: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw rangeError(`${name}.${key}`, `one of the known options (${keys.join(", ")})`, key);
  }
}

/** A vector of `length` finite numbers (array or Float64Array), copied. */
export function vector(name: string, value: unknown, length?: number): Float64Array {
  if (!Array.isArray(value) && !(value instanceof Float64Array) && !(value instanceof Float32Array))
    throw typeError(name, "an array of numbers or a Float64Array", value);
  const n = value.length;
  if (length !== undefined && n !== length) throw rangeError(name, `of length ${length}`, value);
  if (n === 0) throw rangeError(name, "non-empty", value);
  return finiteCopy(name, value);
}

/**
 * A rows x cols matrix: nested arrays, or a row-major flat array / Float64Array of
 * rows * cols entries (then rows, cols must be given or the matrix square). Copied, row-major.
 */
export function matrix(
  name: string,
  value: unknown,
  shape: { rows?: number; cols?: number } = {},
): { data: Float64Array; rows: number; cols: number } {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    const rows = value.length;
    const cols = (value[0] as unknown[]).length;
    if (shape.rows !== undefined && rows !== shape.rows) throw rangeError(name, `a matrix with ${shape.rows} rows`, value);
    if (shape.cols !== undefined && cols !== shape.cols)
      throw rangeError(`${name}[0]`, `a row of length ${shape.cols}`, value[0]);
    if (cols === 0) throw rangeError(`${name}[0]`, "a non-empty row", value[0]);
    const data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = value[i];
      if (!Array.isArray(row) && !(row instanceof Float64Array)) throw typeError(`${name}[${i}]`, "an array of numbers", row);
      if (row.length !== cols) throw rangeError(`${name}[${i}]`, `of length ${cols} like row 0`, row);
      for (let j = 0; j < cols; j++) data[i * cols + j] = entry(name, row[j], i, j);
    }
    return { data, rows, cols };
  }
  if (Array.isArray(value) || value instanceof Float64Array) {
    const n = value.length;
    let { rows, cols } = shape;
    if (rows === undefined && cols === undefined) {
      const side = Math.round(Math.sqrt(n));
      if (side * side !== n) throw rangeError(name, "a square matrix when given flat (length a perfect square)", value);
      rows = cols = side;
    } else if (rows === undefined) rows = cols ? n / cols : 0;
    else if (cols === undefined) cols = rows ? n / rows : 0;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows! * cols! !== n || n === 0)
      throw rangeError(name, `a ${rows ?? "?"} x ${cols ?? "?"} matrix (row-major, ${(rows ?? 0) * (cols ?? 0)} entries)`, value);
    return { data: finiteCopy(name, value), rows: rows!, cols: cols! };
  }
  throw typeError(name, "a matrix (nested arrays or a row-major Float64Array)", value);
}

/** A seed: an integer in [0, 2^53). Returned as its low and high 32-bit words. */
export function seed(name: string, value: unknown): { lo: number; hi: number } {
  const s = integer(name, value, 0);
  return { lo: s | 0, hi: Math.floor(s / 4294967296) | 0 };
}

/** options.seed: absent means 0 (null is not absent). */
export function seedOption(name: string, value: unknown): { lo: number; hi: number } {
  return seed(name, value === undefined ? 0 : value);
}

/** options.backend: absent means the default backend. */
export function backendOption(name: string, value: unknown): "wasm" | "js" | undefined {
  return value === undefined ? undefined : oneOf(name, value, ["wasm", "js"] as const);
}

/** options.signal: an AbortSignal, or anything whose `aborted` is a boolean; absent means none. */
export function signalOption(name: string, value: unknown): AbortSignal | null {
  if (value === undefined) return null;
  if (typeof value !== "object" || value === null || typeof (value as { aborted?: unknown }).aborted !== "boolean")
    throw typeError(name, "an AbortSignal", value);
  return value as AbortSignal;
}

/** A callback option such as options.onProgress; absent means none. */
export function callbackOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | null {
  if (value === undefined) return null;
  if (typeof value !== "function") throw typeError(name, "a function", value);
  return value as F;
}

/** A boolean option with its default. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  return value === undefined ? fallback : boolean(name, value);
}

/** Most values (f64) one array argument may hold: 2^26, 512 MiB (a kernel buffer is at most 1 GiB). */
export const MAX_VALUES = 2 ** 26;

/**
 * Row-major points of dimension `dim`: a Float64Array of finite numbers, n dim long; returns n.
 * `finite` false leaves the entries to a kernel's check (allFinite, then notFinite).
 */
export function points(name: string, value: unknown, dim: number, finite = true): number {
  if (!(value instanceof Float64Array)) throw typeError(name, "a Float64Array (row-major points)", value);
  if (value.length % dim !== 0 || value.length === 0)
    throw rangeError(`${name}.length`, `a positive multiple of the dimension ${dim}`, value.length);
  if (value.length > MAX_VALUES) throw rangeError(`${name}.length`, `at most ${MAX_VALUES}`, value.length);
  if (finite && !allFinite(value)) throw notFinite(name, value);
  return value.length / dim;
}

/** The error for the first non-finite entry of points that failed a finiteness check. */
export function notFinite(name: string, value: Float64Array): RangeError {
  const i = value.findIndex((x) => !Number.isFinite(x));
  return rangeError(`${name}[${i}]`, "finite", value[i]);
}

/**
 * Whether every entry is finite: x * 0 is 0 for finite x and NaN for NaN and +-Infinity, summed
 * in four independent chains (twice as fast as a Number.isFinite test per entry, which matters
 * where a batch method is handed millions of points in a fit).
 */
function allFinite(v: Float64Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < v.length; i += 4) {
    s0 += v[i] * 0;
    s1 += v[i + 1] * 0;
    s2 += v[i + 2] * 0;
    s3 += v[i + 3] * 0;
  }
  for (; i < v.length; i++) s0 += v[i] * 0;
  return s0 + s1 + s2 + s3 === 0;
}
