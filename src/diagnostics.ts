// Diagnostics against a mixture target (docs/algorithms.md §5): component masses and the
// Wasserstein-1 distance of 1-D marginals to the mixture's exact marginal.
import { Approximation } from "./approximation.js";
import { GaussianApproximation } from "./gaussian-approximation.js";
import * as P from "./generated/portable/index.js";
import { GaussianMixture } from "./targets.js";
import { MAX_VALUES, integer, knownKeys, options, points, rangeError, seedOption, typeError, vector } from "./validate.js";

/** An approximation, or draws from one (row-major n x d). */
export type ApproxOrSamples = Approximation | GaussianApproximation | Float64Array;

export interface DiagnosticOptions {
  /** Draws from an approximation (an Approximation's are stratified, so the error is below the iid sqrt(m(1-m)/n)); default 20,000. */
  samples?: number;
  /** Seed of those draws; default 0. */
  seed?: number;
}

function checkMixture(mixture: unknown): GaussianMixture {
  if (!(mixture instanceof GaussianMixture)) throw typeError("mixture", "a Gaussian mixture (gaussian() or gaussianMixture())", mixture);
  return mixture;
}

/** The options, checked whether or not draws are needed. */
function drawOptions(opts: unknown, d: number): { samples: number; seed: number } {
  const o = options("options", opts);
  knownKeys("options", o, ["samples", "seed"]);
  seedOption("options.seed", o.seed);
  const samples = o.samples === undefined ? 20_000 : integer("options.samples", o.samples, 1, Math.floor(MAX_VALUES / d));
  return { samples, seed: (o.seed as number | undefined) ?? 0 };
}

function sameDim(q: unknown, d: number): void {
  if ((q instanceof Approximation || q instanceof GaussianApproximation) && q.dim !== d) throw rangeError("approximation.dim", `the mixture's dimension ${d}`, q.dim);
}

function draws(q: unknown, mixture: GaussianMixture, o: { samples: number; seed: number }): { x: Float64Array; n: number } {
  const d = mixture.dim;
  sameDim(q, d);
  if (q instanceof Approximation) return { x: q.sample(o.samples, { seed: o.seed, stratified: true }), n: o.samples };
  if (q instanceof GaussianApproximation) return { x: q.sample(o.samples, { seed: o.seed }), n: o.samples };
  if (!(q instanceof Float64Array)) throw typeError("approxOrSamples", "an Approximation, a GaussianApproximation or a Float64Array of samples", q);
  return { x: q, n: points("samples", q, d) };
}

/** Component masses with their standard errors (componentMassEstimate). */
export interface MassEstimate {
  /** m_k, summing to 1. */
  mass: Float64Array;
  /**
   * The standard error of each m_k: sqrt(sum_j (r_k(x_j) - m_k)^2 / (n (n - 1))). For an
   * Approximation's stratified (Latin hypercube) draws this bounds the error from above (a
   * Latin hypercube mean has at most n / (n - 1) times the variance of an independent one);
   * for draws passed in it is the error of independent draws, which correlated draws (one
   * Langevin chain's, unthinned) exceed.
   */
  error: Float64Array;
  /** The draws n. */
  draws: number;
}

/**
 * Component masses m_k = E_q[r_k(X)], r_k(x) = w_k p_k(x) / pi(x): how much of q sits on each
 * component. Estimated from draws (componentMassEstimate gives their standard errors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const m = componentMass(await mfvi(t), t); // collapsed: nearly all mass on one component
 * assert.ok(Math.max(m[0], m[1]) > 0.99);
 * ```
 */
export function componentMass(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, opts?: DiagnosticOptions): Float64Array {
  return componentMassEstimate(approxOrSamples, mixture, opts).mass;
}

/**
 * componentMass with the standard error of each mass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const { mass, error } = componentMassEstimate(await rovi(t), t);
 * assert.ok(Math.abs(mass[0] - 0.5) < 0.02 && error[0] > 0 && error[0] < 0.01);
 * ```
 */
export function componentMassEstimate(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, opts?: DiagnosticOptions): MassEstimate {
  const t = checkMixture(mixture);
  const { x, n } = draws(approxOrSamples, t, drawOptions(opts, t.dim));
  const K = t.components.length;
  const r = t.responsibilities(x);
  const m = new Float64Array(K);
  for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) m[k] += r[j * K + k];
  const mass = m.map((v) => v / n);
  const ss = new Float64Array(K);
  for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) ss[k] += (r[j * K + k] - mass[k]) ** 2;
  const error = ss.map((v) => (n > 1 ? Math.sqrt(v / (n * (n - 1))) : Infinity));
  return { mass, error, draws: n };
}

/**
 * CDF of the mixture's exact 1-D marginal along a direction u (normalised):
 * sum_k w_k Phi((t - u.m_k) / sqrt(u^T S_k u)). The returned function takes a number t
 * (+-Infinity allowed) and throws for NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-1, 0], [1, 0]], covariances: [1, 1] });
 * const F = marginalCdf(t, [0, 1]); // along x2 both components are N(0, 1)
 * assert.equal(F(0), 0.5);
 * ```
 */
export function marginalCdf(mixture: GaussianMixture, direction: ArrayLike<number>): (t: number) => number {
  const d = checkMixture(mixture).dim;
  return exactCdf(along(mixture, unit("direction", direction, d)));
}

/** A component of the mixture's marginal along a unit vector. */
interface Projected {
  w: number;
  mu: number;
  sd: number;
}

/** Each component's weight, mean u.m_k and sd sqrt(u^T S_k u) along the unit vector u. */
function along(mixture: GaussianMixture, u: Float64Array): Projected[] {
  const d = mixture.dim;
  return mixture.components.map((c) => {
    let mu = 0;
    let v = 0;
    for (let r = 0; r < d; r++) {
      mu += u[r] * c.mean[r];
      for (let s = 0; s < d; s++) v += u[r] * c.covariance[r * d + s] * u[s];
    }
    return { w: c.weight, mu, sd: Math.sqrt(v) };
  });
}

function exactCdf(parts: readonly Projected[]): (t: number) => number {
  return (t) => {
    if (typeof t !== "number" || Number.isNaN(t)) throw typeError("t", "a number (not NaN)", t);
    return parts.reduce((s, p) => s + p.w * 0.5 * P.erfc(-(t - p.mu) / (p.sd * Math.SQRT2)), 0);
  };
}

function unit(name: string, value: unknown, d: number): Float64Array {
  const u = vector(name, value, d);
  // |u| scaled by its largest entry (no overflow); not Math.hypot, which engines round differently
  const big = u.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const norm = big * Math.sqrt(u.reduce((s, v) => s + (v / big) * (v / big), 0));
  if (!(norm > 0)) throw rangeError(name, "a non-zero vector", value);
  return u.map((v) => v / norm);
}

/**
 * W1 = integral |F_q(t) - F_pi(t)| dt between the marginals of q and of the mixture along a
 * direction (normalised). Without a direction: one value per coordinate axis. Where u is a
 * factor axis of an Approximation, F_q is its exact histogram CDF; elsewhere the empirical
 * CDF of draws. The integral is a trapezoid rule on 20,001 points over both supports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = await mfvi(gaussian({ mean: [0, 0], covariance: 1 }));
 * // W1 between N(0, 1) and N(0.7, 1) is 0.7 (up to the histogram's O(h^2))
 * const w = marginalW1(q, gaussian({ mean: [0.7, 0], covariance: 1 }), [1, 0]);
 * assert.ok(Math.abs(w - 0.7) < 2e-3);
 * ```
 */
export function marginalW1(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, direction: ArrayLike<number>, opts?: DiagnosticOptions): number;
export function marginalW1(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, direction?: undefined, opts?: DiagnosticOptions): Float64Array;
export function marginalW1(
  approxOrSamples: ApproxOrSamples,
  mixture: GaussianMixture,
  direction?: ArrayLike<number>,
  opts?: DiagnosticOptions,
): number | Float64Array {
  if (direction !== undefined) return marginalW1Estimate(approxOrSamples, mixture, direction, opts).w1;
  const d = checkMixture(mixture).dim;
  drawOptions(opts, d);
  sameDim(approxOrSamples, d);
  return Float64Array.from({ length: d }, (_, i) => {
    const e = new Float64Array(d);
    e[i] = 1;
    return marginalW1Estimate(approxOrSamples, mixture, e, opts).w1;
  });
}

/** W1 along a direction with its standard error (marginalW1Estimate). */
export interface W1Estimate {
  w1: number;
  /**
   * 0 where W1 is exact (along a factor axis). From draws: the error of the linearised
   * estimate, sqrt(Var g(X) / n) with g(x) the integral from x up of sign(F_n - F_pi), the
   * sensitivity of W1 to one draw (an upper bound for stratified draws, as for
   * componentMassEstimate). Where W1 is as small as this error, the estimate's positive bias
   * (an empirical CDF is never exact) is of the same size.
   */
  error: number;
  /** Whether F_q came from draws. */
  sampled: boolean;
}

/**
 * marginalW1 along one direction, with its standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // draws of N(0, I) against N((0.7, 0), I) along the diagonal: W1 = 0.7 / sqrt 2
 * const x = normalDraws(40000, { seed: 1 });
 * const { w1, error } = marginalW1Estimate(x, gaussian({ mean: [0.7, 0], covariance: 1 }), [1, 1]);
 * assert.ok(Math.abs(w1 - 0.7 / Math.SQRT2) < 3 * error); // error = 1 / sqrt(20000)
 * ```
 */
export function marginalW1Estimate(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, direction: ArrayLike<number>, opts?: DiagnosticOptions): W1Estimate {
  const d = checkMixture(mixture).dim;
  const o = drawOptions(opts, d);
  sameDim(approxOrSamples, d);
  const u = unit("direction", direction, d);
  const parts = along(mixture, u);
  const exact = exactCdf(parts);
  let cdf: (t: number) => number;
  let lo: number;
  let hi: number;
  let proj: Float64Array | null = null;
  const axis = approxOrSamples instanceof Approximation ? factorAxis(approxOrSamples, u) : null;
  if (axis !== null) {
    const g = (approxOrSamples as Approximation).marginals[axis.index];
    const G = g.mass.length;
    const cum = new Float64Array(G + 1);
    P.cumulate(g.mass, 0, G, cum, 0);
    // t = u.x = sign * y_i
    cdf = (t) => (axis.sign > 0 ? P.cdf(cum, 0, G, g.edges, 0, t) : 1 - P.cdf(cum, 0, G, g.edges, 0, -t));
    [lo, hi] = axis.sign > 0 ? [g.edges[0], g.edges[G]] : [-g.edges[G], -g.edges[0]];
  } else {
    const { x, n } = draws(approxOrSamples, mixture, o);
    const p = (proj = new Float64Array(n));
    for (let j = 0; j < n; j++) for (let r = 0; r < d; r++) p[j] += u[r] * x[j * d + r];
    p.sort();
    cdf = (t) => below(p, t) / n;
    [lo, hi] = [p[0], p[n - 1]];
  }
  for (const p of parts) {
    lo = Math.min(lo, p.mu - 12 * p.sd);
    hi = Math.max(hi, p.mu + 12 * p.sd);
  }
  const N = 20_000;
  const h = (hi - lo) / N;
  const sign = new Float64Array(N + 1);
  let w1 = 0;
  let prev = Math.abs((sign[0] = cdf(lo) - exact(lo)));
  for (let k = 1; k <= N; k++) {
    const t = lo + k * h;
    const cur = Math.abs((sign[k] = cdf(t) - exact(t)));
    w1 += 0.5 * h * (prev + cur);
    prev = cur;
  }
  return { w1, error: proj ? linearisedError(proj, sign, lo, h) : 0, sampled: proj !== null };
}

/** How many of the sorted values are <= t. */
function below(sorted: Float64Array, t: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (sorted[m] <= t) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * The standard error of the sampled W1 = integral |F_n - F|: to first order W1 moves with
 * the mean of g(X_j), g(x) = integral from x to the top of sign(F_n - F) (diff: F_n - F on
 * the grid lo + k h).
 */
function linearisedError(proj: Float64Array, diff: Float64Array, lo: number, h: number): number {
  const N = diff.length - 1;
  const g = new Float64Array(N + 1); // g at the grid points, by the trapezoid rule from the top
  for (let k = N - 1; k >= 0; k--) g[k] = g[k + 1] + 0.5 * h * (Math.sign(diff[k]) + Math.sign(diff[k + 1]));
  const n = proj.length;
  const at = (x: number) => {
    const f = Math.min(Math.max((x - lo) / h, 0), N);
    const k = Math.min(Math.floor(f), N - 1);
    return g[k] + (f - k) * (g[k + 1] - g[k]);
  };
  let mean = 0;
  for (let j = 0; j < n; j++) mean += at(proj[j]) / n;
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (at(proj[j]) - mean) ** 2;
  return n > 1 ? Math.sqrt(ss / (n * (n - 1))) : Infinity;
}

/** The factor i with O e_i = +-u (within 1e-9), if any. */
function factorAxis(q: Approximation, u: Float64Array): { index: number; sign: number } | null {
  const d = q.dim;
  for (let i = 0; i < d; i++) {
    let dot = 0;
    for (let r = 0; r < d; r++) dot += q.rotation[r * d + i] * u[r];
    if (Math.abs(Math.abs(dot) - 1) < 1e-9) return { index: i, sign: Math.sign(dot) };
  }
  return null;
}
