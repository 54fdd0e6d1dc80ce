// Diagnostics against a mixture target (ALGORITHMS.md section 5): component masses and the
// Wasserstein-1 distance of 1-D marginals to the mixture's exact marginal.
import { Approximation } from "./approximation.js";
import { GaussianApproximation } from "./gaussian-approximation.js";
import * as P from "./generated/portable/index.js";
import { GaussianMixture } from "./targets.js";
import { integer, knownKeys, options, rangeError, typeError, vector } from "./validate.js";

/** An approximation, or draws from one (row-major n x d). */
export type ApproxOrSamples = Approximation | GaussianApproximation | Float64Array;

export interface DiagnosticOptions {
  /** Draws from an approximation (an Approximation's are stratified, so the error is below the iid sqrt(m(1-m)/n)); default 20,000. */
  samples?: number;
  /** Seed of those draws; default 0. */
  seed?: number;
}

function draws(q: unknown, mixture: unknown, opts: unknown): { x: Float64Array; n: number; d: number; mixture: GaussianMixture } {
  if (!(mixture instanceof GaussianMixture)) throw typeError("mixture", "a Gaussian mixture (gaussian() or gaussianMixture())", mixture);
  const d = mixture.dim;
  const o = options("options", opts);
  knownKeys("options", o, ["samples", "seed"]);
  if (q instanceof Approximation || q instanceof GaussianApproximation) {
    if (q.dim !== d) throw rangeError("approximation.dim", `the mixture's dimension ${d}`, q.dim);
    const n = o.samples === undefined ? 20_000 : integer("options.samples", o.samples, 1, 1e8);
    const seed = (o.seed as number) ?? 0;
    return { x: q instanceof Approximation ? q.sample(n, { seed, stratified: true }) : q.sample(n, { seed }), n, d, mixture };
  }
  if (!(q instanceof Float64Array)) throw typeError("approxOrSamples", "an Approximation, a GaussianApproximation or a Float64Array of samples", q);
  if (q.length === 0 || q.length % d !== 0) throw rangeError("samples.length", `a positive multiple of the dimension ${d}`, q.length);
  return { x: q, n: q.length / d, d, mixture };
}

/**
 * Component masses m_k = E_q[r_k(X)], r_k(x) = w_k p_k(x) / pi(x): how much of q sits on each
 * component. Estimated from draws.
 */
export function componentMass(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, opts?: DiagnosticOptions): Float64Array {
  const { x, n, mixture: t } = draws(approxOrSamples, mixture, opts);
  const K = t.components.length;
  const r = t.responsibilities(x);
  const m = new Float64Array(K);
  for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) m[k] += r[j * K + k];
  return m.map((v) => v / n);
}

/** CDF of the mixture's exact 1-D marginal along unit u: sum_k w_k Phi((t - u.m_k) / sqrt(u^T S_k u)). */
export function marginalCdf(mixture: GaussianMixture, u: Float64Array): (t: number) => number {
  const d = mixture.dim;
  const parts = mixture.components.map((c) => {
    let mu = 0;
    let v = 0;
    for (let r = 0; r < d; r++) {
      mu += u[r] * c.mean[r];
      for (let s = 0; s < d; s++) v += u[r] * c.covariance[r * d + s] * u[s];
    }
    return { w: c.weight, mu, sd: Math.sqrt(v) };
  });
  return (t) => parts.reduce((s, p) => s + p.w * 0.5 * P.erfc(-(t - p.mu) / (p.sd * Math.SQRT2)), 0);
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
 */
export function marginalW1(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, direction: ArrayLike<number>, opts?: DiagnosticOptions): number;
export function marginalW1(approxOrSamples: ApproxOrSamples, mixture: GaussianMixture, direction?: undefined, opts?: DiagnosticOptions): Float64Array;
export function marginalW1(
  approxOrSamples: ApproxOrSamples,
  mixture: GaussianMixture,
  direction?: ArrayLike<number>,
  opts?: DiagnosticOptions,
): number | Float64Array {
  if (!(mixture instanceof GaussianMixture)) throw typeError("mixture", "a Gaussian mixture (gaussian() or gaussianMixture())", mixture);
  const d = mixture.dim;
  if (direction === undefined) {
    return Float64Array.from({ length: d }, (_, i) => {
      const e = new Float64Array(d);
      e[i] = 1;
      return marginalW1(approxOrSamples, mixture, e, opts);
    });
  }
  const u = unit("direction", direction, d);
  const exact = marginalCdf(mixture, u);
  let cdf: (t: number) => number;
  let lo: number;
  let hi: number;
  const axis = approxOrSamples instanceof Approximation ? factorAxis(approxOrSamples, u) : null;
  if (axis !== null) {
    const g = (approxOrSamples as Approximation).marginals[axis.index];
    const G = g.mass.length;
    const cum = new Float64Array(G + 1);
    P.cumulate(g.mass, 0, G, cum, 0);
    // t = u.x = sign * y_i
    cdf = (t) => (axis.sign > 0 ? P.cdf(cum, 0, G, g.lo, g.cellWidth, t) : 1 - P.cdf(cum, 0, G, g.lo, g.cellWidth, -t));
    [lo, hi] = axis.sign > 0 ? [g.lo, g.lo + G * g.cellWidth] : [-(g.lo + G * g.cellWidth), -g.lo];
  } else {
    const { x, n } = draws(approxOrSamples, mixture, opts);
    const proj = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let r = 0; r < d; r++) proj[j] += u[r] * x[j * d + r];
    proj.sort();
    cdf = (t) => {
      let a = 0;
      let b = n; // count of proj <= t
      while (a < b) {
        const m = (a + b) >> 1;
        if (proj[m] <= t) a = m + 1;
        else b = m;
      }
      return a / n;
    };
    [lo, hi] = [proj[0], proj[n - 1]];
  }
  for (const c of mixture.components) {
    let mu = 0;
    let v = 0;
    for (let r = 0; r < d; r++) {
      mu += u[r] * c.mean[r];
      for (let s = 0; s < d; s++) v += u[r] * c.covariance[r * d + s] * u[s];
    }
    lo = Math.min(lo, mu - 12 * Math.sqrt(v));
    hi = Math.max(hi, mu + 12 * Math.sqrt(v));
  }
  const N = 20_000;
  const h = (hi - lo) / N;
  let w1 = 0;
  let prev = Math.abs(cdf(lo) - exact(lo));
  for (let k = 1; k <= N; k++) {
    const t = lo + k * h;
    const cur = Math.abs(cdf(t) - exact(t));
    w1 += 0.5 * h * (prev + cur);
    prev = cur;
  }
  return w1;
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
