// Built-in targets as data: a descriptor (one Float64Array, laid out in ./descriptor) that
// crosses into the kernels once. Every kernel here reads it; none calls back into the host.
import { exp, log, logSumExpStrided } from "./math";
import { componentLogDensity, HEADER, KIND_FULL, offFactors, pointGradient } from "./descriptor";
import { DENSITY_BLOCK, GRAD_BLOCK, mixtureGradBlock, mixtureLogDensityBlock } from "./blocks";

export * from "./descriptor";
export { logSumExpStrided, GRAD_BLOCK };

const HALF_LOG_2PI = 0.91893853320467274178;

/**
 * Completes a descriptor whose header, c_k (holding log w_k), means and factors (holding the
 * covariances S_k, full: d x d row-major, lower triangle read; diag: variances) are filled in:
 * Cholesky-factors every S_k in place and finishes c_k. Returns -1, or the first component
 * whose covariance is not numerically positive definite.
 */
export function mixtureSetup(t: Float64Array): i32 {
  const kind = (<i32>t[0]) | 0;
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const fo = offFactors(t);
  for (let k = 0; k < K; k++) {
    let logDet = 0.0;
    if (kind == KIND_FULL) {
      const a = fo + k * d * d;
      for (let j = 0; j < d; j++) {
        // Cholesky-Banachiewicz, row j; the diagonal is stored inverted for fast solves.
        for (let i = 0; i <= j; i++) {
          let s = t[a + j * d + i];
          for (let p = 0; p < i; p++) s -= t[a + j * d + p] * t[a + i * d + p];
          if (i < j) {
            t[a + j * d + i] = s * t[a + i * d + i];
          } else {
            if (!(s > 0.0)) return k;
            const l = Math.sqrt(s);
            t[a + j * d + j] = 1.0 / l;
            logDet += log(l);
          }
        }
        for (let i = j + 1; i < d; i++) t[a + j * d + i] = 0.0;
      }
    } else {
      const a = fo + k * d;
      for (let i = 0; i < d; i++) {
        const v = t[a + i];
        if (!(v > 0.0)) return k;
        const l = Math.sqrt(v);
        t[a + i] = 1.0 / l;
        logDet += log(l);
      }
    }
    t[HEADER + k] = t[HEADER + k] - logDet - <f64>d * HALF_LOG_2PI;
  }
  return -1;
}

/** log sum_k exp(v[at + k]) for k < K (logSumExpStrided with stride 1). */
export function logSumExp(v: Float64Array, at: i32, K: i32): f64 {
  return logSumExpStrided(v, at, 1, K);
}

/** Work entries for mixtureLogDensity to evaluate DENSITY_BLOCK points per pass. */
export function mixtureDensityWork(d: i32, K: i32): i32 {
  return DENSITY_BLOCK * (K + d);
}

/**
 * out[j] = log pi(points[j d .. j d + d)) for j < n. work: at least K + d entries, one point
 * at a time; with mixtureDensityWork(d, K) entries, DENSITY_BLOCK points per pass over each
 * Cholesky row (the same bits).
 */
export function mixtureLogDensity(t: Float64Array, points: Float64Array, n: i32, out: Float64Array, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  let j = 0;
  if (work.length >= mixtureDensityWork(d, K)) {
    for (; j + DENSITY_BLOCK <= n; j += DENSITY_BLOCK) mixtureLogDensityBlock(t, points, j * d, out, j, work);
  }
  for (; j < n; j++) {
    for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, j * d, work, K);
    out[j] = logSumExp(work, 0, K);
  }
}

/** Work entries for mixtureGradLogDensity to evaluate GRAD_BLOCK points per pass. */
export function mixtureGradWork(d: i32, K: i32): i32 {
  return GRAD_BLOCK * (K + K * d + d);
}

/**
 * Log density and its gradient at n points: logp[j] = log pi(x_j), grad[j d + i] = d/dx_i
 * (pointGradient). work: at least K + K d entries, one point at a time; with
 * mixtureGradWork(d, K) entries, GRAD_BLOCK points per pass over each Cholesky row (the same
 * bits).
 */
export function mixtureGradLogDensity(
  t: Float64Array,
  points: Float64Array,
  n: i32,
  logp: Float64Array,
  grad: Float64Array,
  work: Float64Array,
): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  let j = 0;
  if (work.length >= mixtureGradWork(d, K)) {
    for (; j + GRAD_BLOCK <= n; j += GRAD_BLOCK) mixtureGradBlock(t, points, j * d, logp, j, grad, work);
  }
  for (; j < n; j++) pointGradient(t, points, j * d, logp, j, grad, work);
}

/**
 * Responsibilities r_k(x_j) = w_k p_k(x_j) / pi(x_j) into out[j K + k]. work: K + d entries.
 */
export function mixtureResponsibilities(t: Float64Array, points: Float64Array, n: i32, out: Float64Array, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, j * d, work, K);
    const lp = logSumExp(work, 0, K);
    for (let k = 0; k < K; k++) out[j * K + k] = exp(work[k] - lp);
  }
}
