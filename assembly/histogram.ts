// One-dimensional factors as histogram densities: G cells between edges x[xat] < ... < x[xat + G],
// with masses p[at .. at + G) summing to 1 (density p_k / w_k on cell k of width w_k). Cumulative masses live in
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

/** Centre of cell k of the grid with edges x[xat .. xat + G]. */
export function centre(x: Float64Array, xat: i32, k: i32): f64 {
  return 0.5 * (x[xat + k] + x[xat + k + 1]);
}

/** Inverse CDF of the histogram at u in [0, 1): uniform inside the chosen cell. */
export function quantile(cum: Float64Array, cat: i32, G: i32, x: Float64Array, xat: i32, u: f64): f64 {
  return inCell(cum, cat, x, xat, cellOf(cum, cat, G, u), u);
}

/**
 * out[oo + j] = quantile(u[uo + j]) for j < n (out may be u itself, in place), four at a time:
 * their cellOf searches interleaved (independent chains of loads).
 */
export function quantileRow(cum: Float64Array, cat: i32, G: i32, x: Float64Array, xat: i32, u: Float64Array, uo: i32, n: i32, out: Float64Array, oo: i32): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const u0 = u[uo + j];
    const u1 = u[uo + j + 1];
    const u2 = u[uo + j + 2];
    const u3 = u[uo + j + 3];
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let len = G;
    while (len > 1) {
      const half = len >> 1;
      a0 = cum[cat + a0 + half] <= u0 ? a0 + half : a0;
      a1 = cum[cat + a1 + half] <= u1 ? a1 + half : a1;
      a2 = cum[cat + a2 + half] <= u2 ? a2 + half : a2;
      a3 = cum[cat + a3 + half] <= u3 ? a3 + half : a3;
      len -= half;
    }
    out[oo + j] = inCell(cum, cat, x, xat, a0, u0);
    out[oo + j + 1] = inCell(cum, cat, x, xat, a1, u1);
    out[oo + j + 2] = inCell(cum, cat, x, xat, a2, u2);
    out[oo + j + 3] = inCell(cum, cat, x, xat, a3, u3);
  }
  for (; j < n; j++) out[oo + j] = quantile(cum, cat, G, x, xat, u[uo + j]);
}

/** The point of cell k where the histogram's CDF is u (its centre for an empty cell). */
function inCell(cum: Float64Array, cat: i32, x: Float64Array, xat: i32, k: i32, u: f64): f64 {
  const mass = cum[cat + k + 1] - cum[cat + k];
  let frac = mass > 0.0 ? (u - cum[cat + k]) / mass : 0.5;
  if (frac > 1.0) frac = 1.0;
  const a = x[xat + k];
  return a + (x[xat + k + 1] - a) * frac;
}

/** The histogram's CDF at y. */
export function cdf(cum: Float64Array, cat: i32, G: i32, x: Float64Array, xat: i32, y: f64): f64 {
  if (!(y > x[xat])) return 0.0;
  if (y >= x[xat + G]) return 1.0;
  const k = cellOf(x, xat, G, y);
  const a = x[xat + k];
  return cum[cat + k] + (cum[cat + k + 1] - cum[cat + k]) * ((y - a) / (x[xat + k + 1] - a));
}

/**
 * Re-bins a histogram (cum at cat on edges x at xat, G cells) onto the grid with edges x2 at
 * x2at (G2 cells): exact masses F(right) - F(left), written to out[oat ..].
 */
export function rebin(cum: Float64Array, cat: i32, G: i32, x: Float64Array, xat: i32, x2: Float64Array, x2at: i32, G2: i32, out: Float64Array, oat: i32): void {
  let left = cdf(cum, cat, G, x, xat, x2[x2at]);
  for (let k = 0; k < G2; k++) {
    const right = cdf(cum, cat, G, x, xat, x2[x2at + k + 1]);
    out[oat + k] = right - left;
    left = right;
  }
}

/** Differential entropy of the histogram density: -sum p_k log(p_k / w_k), w_k the cell widths. Exact. */
export function entropy(p: Float64Array, at: i32, G: i32, x: Float64Array, xat: i32): f64 {
  let s = 0.0;
  for (let k = 0; k < G; k++) {
    const q = p[at + k];
    if (q > 0.0) s -= q * log(q / (x[xat + k + 1] - x[xat + k]));
  }
  return s;
}

/** Mean of the histogram density (cell centres are the cells' means). */
export function histMean(p: Float64Array, at: i32, G: i32, x: Float64Array, xat: i32): f64 {
  let s = 0.0;
  for (let k = 0; k < G; k++) s += p[at + k] * centre(x, xat, k);
  return s;
}

/** Variance of the histogram density: the spread of the centres plus w_k^2 / 12 within cells. */
export function histVariance(p: Float64Array, at: i32, G: i32, x: Float64Array, xat: i32): f64 {
  const m = histMean(p, at, G, x, xat);
  let s = 0.0;
  for (let k = 0; k < G; k++) {
    const c = centre(x, xat, k) - m;
    const w = x[xat + k + 1] - x[xat + k];
    s += p[at + k] * (c * c + (w * w) / 12.0);
  }
  return s;
}

/** Log density of the histogram at y: log(p_k / w_k), -Infinity outside the grid or in an empty cell. */
export function histLogDensity(p: Float64Array, at: i32, G: i32, x: Float64Array, xat: i32, y: f64): f64 {
  if (!(y >= x[xat]) || y >= x[xat + G]) return -Infinity;
  const k = cellOf(x, xat, G, y);
  return log(p[at + k] / (x[xat + k + 1] - x[xat + k]));
}

/** x[xat + k] = lo + (hi - lo) k / G for k = 0 .. G: a uniform grid, its ends exact. */
export function uniformEdges(x: Float64Array, xat: i32, G: i32, lo: f64, hi: f64): void {
  const h = (hi - lo) / <f64>G;
  for (let k = 0; k < G; k++) x[xat + k] = lo + h * <f64>k;
  x[xat + G] = hi;
}

/**
 * n cells on [lo, hi] that each hold the same share 1/n of the measure
 * (1 - a) Uniform(lo, hi) + a nu, nu the piecewise uniform measure with CDF cum on edges x
 * (G cells) restricted to [lo, hi]: cells are narrow where nu has mass and at most
 * (hi - lo) / ((1 - a) n) wide anywhere, so a factor with narrow bumps far apart gets cells on
 * each bump and across the gap. Walks the piecewise linear CDF of the mixture once. Writes n + 1 edges to out[oat ..].
 */
export function mixedEdges(cum: Float64Array, cat: i32, G: i32, x: Float64Array, xat: i32, lo: f64, hi: f64, a: f64, out: Float64Array, oat: i32, n: i32): void {
  const fLo = cdf(cum, cat, G, x, xat, lo);
  const inMass = cdf(cum, cat, G, x, xat, hi) - fLo;
  const wq = inMass > 0.0 ? a / inMass : 0.0; // weight of mu's CDF
  const wu = (inMass > 0.0 ? 1.0 - a : 1.0) / (hi - lo);
  out[oat] = lo;
  // the segment [ya, yb] between consecutive breakpoints, with the mixture's CDF ma at ya
  let j = 0; // next edge of x after ya
  while (j <= G && !(x[xat + j] > lo)) j++;
  let ya = lo;
  let ma = 0.0;
  for (let k = 1; k < n; k++) {
    const m = <f64>k / <f64>n;
    for (;;) {
      const yb = j <= G && x[xat + j] < hi ? x[xat + j] : hi;
      const mb = wu * (yb - lo) + wq * (cdf(cum, cat, G, x, xat, yb) - fLo);
      if (mb >= m || yb >= hi) {
        let y = mb > ma ? ya + (yb - ya) * ((m - ma) / (mb - ma)) : ya;
        if (y > yb) y = yb;
        out[oat + k] = y > out[oat + k - 1] ? y : out[oat + k - 1];
        break;
      }
      ya = yb;
      ma = mb;
      j++;
    }
  }
  out[oat + n] = hi;
}
