// One-dimensional marginals: of 2-D densities by numerical integration on a grid, of mixtures
// exactly (from their CDF), and of draws as histograms.
import { marginalCdf, type Approximation, type GaussianMixture, type Target } from "../index.js";

/** A log density evaluated at n points (row-major n x 2). */
export type LogDensity = (points: Float64Array) => Float64Array;
export const ofTarget = (t: Target): LogDensity => (p) => t.logDensityBatch(p);
export const ofApprox = (q: Approximation): LogDensity => (p) => q.logDensity(p);

export const linspace = (a: number, b: number, n: number) => Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** Points t along unit u (2-D): t u + s v, v = u rotated by 90 degrees. */
function linePoints(u: [number, number], ts: Float64Array, ss: Float64Array): Float64Array {
  const v = [-u[1], u[0]];
  const p = new Float64Array(2 * ts.length * ss.length);
  let k = 0;
  for (const t of ts)
    for (const s of ss) {
      p[k++] = t * u[0] + s * v[0];
      p[k++] = t * u[1] + s * v[1];
    }
  return p;
}

/**
 * The density of u.X for a 2-D density given by its log, times exp(-shift): a Riemann sum over
 * the orthogonal coordinate at the equally spaced `ss` (the shift keeps exp() in range).
 */
export function marginalOf(f: LogDensity, u: [number, number], ts: Float64Array, ss: Float64Array, shift = 0): Float64Array {
  const lp = f(linePoints(u, ts, ss));
  const ds = ss[1] - ss[0];
  return Float64Array.from(ts, (_, i) => {
    let s = 0;
    for (let j = 0; j < ss.length; j++) s += Math.exp(lp[i * ss.length + j] - shift);
    return s * ds;
  });
}

/** The exact marginal density along u, from the derivative of marginalCdf. */
export function exactMarginal(t: GaussianMixture, u: number[], ts: Float64Array): Float64Array {
  const F = marginalCdf(t, Float64Array.from(u));
  const h = 1e-4;
  return ts.map((x) => (F(x + h) - F(x - h)) / (2 * h));
}

/** A histogram density of u.x over draws x (n x 2), bins of width h centred on `centres`. */
export function histogram(x: Float64Array, u: number[], centres: Float64Array): Float64Array {
  const h = centres[1] - centres[0];
  const lo = centres[0] - h / 2;
  const counts = new Float64Array(centres.length);
  const n = x.length / 2;
  for (let j = 0; j < n; j++) {
    const k = Math.floor((u[0] * x[2 * j] + u[1] * x[2 * j + 1] - lo) / h);
    if (k >= 0 && k < counts.length) counts[k]++;
  }
  return counts.map((c) => c / (n * h));
}
