// One-dimensional factors as histogram densities: G cells of width h on [lo, lo + G h], with
// masses p[at .. at + G) summing to 1 (density p_k / h on cell k). Cumulative masses live in
// cum[cat .. cat + G + 1), cum[cat] = 0. These kernels are shared by MFVI, RoVI and sampling.
import { log } from "./math";
import { expRow } from "./simdmath";

/**
 * Turns log-weights l[lat .. lat + G) into normalised masses at p[at ..):
 * p_k = exp(l_k - max) / sum. Returns 0 when no cell has a finite weight, else 1.
 */
export function normaliseLog(l: Float64Array, lat: i32, G: i32, p: Float64Array, at: i32): i32 {
  let top = -Infinity;
  for (let k = 0; k < G; k++) if (l[lat + k] > top) top = l[lat + k];
  if (top == -Infinity || !(top < Infinity)) return 0;
  expRow(l, lat, top, p, at, G);
  let s = 0.0;
  for (let k = 0; k < G; k++) s += p[at + k];
  const inv = 1.0 / s;
  for (let k = 0; k < G; k++) p[at + k] *= inv;
  return 1;
}

/** cum[cat + k] = p[at] + ... + p[at + k - 1]; the last entry is forced to exactly 1. */
export function cumulate(p: Float64Array, at: i32, G: i32, cum: Float64Array, cat: i32): void {
  let s = 0.0;
  cum[cat] = 0.0;
  for (let k = 0; k < G; k++) {
    s += p[at + k];
    cum[cat + k + 1] = s;
  }
  cum[cat + G] = 1.0;
}

/**
 * The cell k with cum[k] <= u < cum[k + 1] (empty cells are never chosen): binary search with
 * the halving written as a select, not a branch (random u made the branch a coin flip).
 */
function cellOf(cum: Float64Array, cat: i32, G: i32, u: f64): i32 {
  let a = 0; // invariant: cum[a] <= u < cum[a + len]
  let len = G;
  while (len > 1) {
    const half = len >> 1;
    a = cum[cat + a + half] <= u ? a + half : a;
    len -= half;
  }
  return a;
}

/** Inverse CDF of the histogram at u in [0, 1): uniform inside the chosen cell. */
export function quantile(cum: Float64Array, cat: i32, G: i32, lo: f64, h: f64, u: f64): f64 {
  const k = cellOf(cum, cat, G, u);
  const mass = cum[cat + k + 1] - cum[cat + k];
  let frac = mass > 0.0 ? (u - cum[cat + k]) / mass : 0.5;
  if (frac > 1.0) frac = 1.0;
  return lo + h * (<f64>k + frac);
}

/** The histogram's CDF at y. */
export function cdf(cum: Float64Array, cat: i32, G: i32, lo: f64, h: f64, y: f64): f64 {
  const s = (y - lo) / h;
  if (!(s > 0.0)) return 0.0;
  if (s >= <f64>G) return 1.0;
  const k = (<i32>Math.floor(s)) | 0;
  return cum[cat + k] + (cum[cat + k + 1] - cum[cat + k]) * (s - <f64>k);
}

/**
 * Re-bins a histogram (cum at cat; lo, h) onto a grid (lo2, h2, G2 cells): exact masses
 * F(right) - F(left), written to out[oat ..].
 */
export function rebin(
  cum: Float64Array,
  cat: i32,
  G: i32,
  lo: f64,
  h: f64,
  lo2: f64,
  h2: f64,
  G2: i32,
  out: Float64Array,
  oat: i32,
): void {
  let left = cdf(cum, cat, G, lo, h, lo2);
  for (let k = 0; k < G2; k++) {
    const right = cdf(cum, cat, G, lo, h, lo2 + h2 * <f64>(k + 1));
    out[oat + k] = right - left;
    left = right;
  }
}

/** Differential entropy of the histogram density: -sum p_k log(p_k / h). Exact. */
export function entropy(p: Float64Array, at: i32, G: i32, h: f64): f64 {
  let s = 0.0;
  for (let k = 0; k < G; k++) {
    const q = p[at + k];
    if (q > 0.0) s -= q * log(q / h);
  }
  return s;
}

/** Mean of the histogram density (cell centres are the cells' means). */
export function histMean(p: Float64Array, at: i32, G: i32, lo: f64, h: f64): f64 {
  let s = 0.0;
  for (let k = 0; k < G; k++) s += p[at + k] * (lo + h * (<f64>k + 0.5));
  return s;
}

/** Variance of the histogram density: the spread of the centres plus h^2 / 12 within cells. */
export function histVariance(p: Float64Array, at: i32, G: i32, lo: f64, h: f64): f64 {
  const m = histMean(p, at, G, lo, h);
  let s = 0.0;
  for (let k = 0; k < G; k++) {
    const c = lo + h * (<f64>k + 0.5) - m;
    s += p[at + k] * c * c;
  }
  return s + (h * h) / 12.0;
}

/** Log density of the histogram at y: log(p_k / h), -Infinity outside the grid or in an empty cell. */
export function histLogDensity(p: Float64Array, at: i32, G: i32, lo: f64, h: f64, y: f64): f64 {
  const s = (y - lo) / h;
  if (!(s >= 0.0) || s >= <f64>G) return -Infinity;
  const k = (<i32>Math.floor(s)) | 0;
  return log(p[at + k] / h);
}
