// Built-in targets as data: a descriptor (one Float64Array) that crosses into the kernels
// once. Every kernel here reads it; none calls back into the host.
//
// Descriptor layout (indices into t):
//   t[0] kind: KIND_FULL (Gaussian mixture, full covariances), KIND_DIAG (diagonal ones)
//   t[1] d, t[2] K,
//   t[HEADER ..]               c_k = log w_k - log det L_k - d/2 log(2 pi)    K entries
//   then means                 m_k, row-major                                K d
//   then factors               KIND_FULL: Cholesky L_k (S_k = L_k L_k^T),    K d d
//                              lower triangle, row-major, with 1/L_k[i][i] on its diagonal;
//                              KIND_DIAG: 1/sigma_k (inverse standard deviations)  K d
// With z_k = L_k^-1 (x - m_k):  log pi(x) = logsumexp_k (c_k - |z_k|^2 / 2).
import { exp, log, logSumExpStrided } from "./math";

export { logSumExpStrided };

export const KIND_FULL = 1;
export const KIND_DIAG = 2;
export const HEADER = 8;
const HALF_LOG_2PI = 0.91893853320467274178;

/** Length of the descriptor of a K-component mixture in d dimensions. */
export function mixtureLength(kind: i32, d: i32, K: i32): i32 {
  return HEADER + K + K * d + (kind == KIND_FULL ? K * d * d : K * d);
}

export function offMeans(t: Float64Array): i32 {
  return HEADER + <i32>t[2];
}
export function offFactors(t: Float64Array): i32 {
  return HEADER + <i32>t[2] * (1 + <i32>t[1]);
}

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

/**
 * z = L_k^-1 (x - m_k) for the point x = points[at .. at + d), written to z[zt .. zt + d);
 * returns c_k - |z|^2 / 2, the component's log density plus log w_k.
 */
export function componentLogDensity(t: Float64Array, k: i32, points: Float64Array, at: i32, z: Float64Array, zt: i32): f64 {
  const d = (<i32>t[1]) | 0;
  const m = offMeans(t) + k * d;
  let q = 0.0;
  if ((<i32>t[0]) == KIND_FULL) {
    const a = offFactors(t) + k * d * d;
    for (let i = 0; i < d; i++) {
      let s = points[at + i] - t[m + i];
      const row = a + i * d;
      for (let p = 0; p < i; p++) s -= t[row + p] * z[zt + p];
      const zi = s * t[row + i];
      z[zt + i] = zi;
      q += zi * zi;
    }
  } else {
    const a = offFactors(t) + k * d;
    for (let i = 0; i < d; i++) {
      const zi = (points[at + i] - t[m + i]) * t[a + i];
      z[zt + i] = zi;
      q += zi * zi;
    }
  }
  return t[HEADER + k] - 0.5 * q;
}

/** log sum_k exp(v[at + k]) for k < K (logSumExpStrided with stride 1). */
export function logSumExp(v: Float64Array, at: i32, K: i32): f64 {
  return logSumExpStrided(v, at, 1, K);
}

/**
 * out[j] = log pi(points[j d .. j d + d)) for j < n. work: at least K + d entries.
 */
export function mixtureLogDensity(t: Float64Array, points: Float64Array, n: i32, out: Float64Array, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, j * d, work, K);
    out[j] = logSumExp(work, 0, K);
  }
}

/**
 * Log density and its gradient at n points: logp[j] = log pi(x_j), grad[j d + i] = d/dx_i.
 * grad log pi = -sum_k r_k S_k^-1 (x - m_k) = -sum_k r_k L_k^-T z_k, r_k the responsibilities.
 * work: at least K + K d entries.
 */
export function mixtureGradLogDensity(
  t: Float64Array,
  points: Float64Array,
  n: i32,
  logp: Float64Array,
  grad: Float64Array,
  work: Float64Array,
): void {
  const kind = (<i32>t[0]) | 0;
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const fo = offFactors(t);
  for (let j = 0; j < n; j++) {
    const g = j * d;
    for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, g, work, K + k * d);
    const lp = logSumExp(work, 0, K);
    logp[j] = lp;
    for (let i = 0; i < d; i++) grad[g + i] = 0.0;
    for (let k = 0; k < K; k++) {
      const r = exp(work[k] - lp);
      const z = K + k * d;
      if (kind == KIND_FULL) {
        // back substitution: v = L^-T z overwrites z, from the last coordinate up
        const a = fo + k * d * d;
        for (let i = d - 1; i >= 0; i--) {
          let s = work[z + i];
          for (let p = i + 1; p < d; p++) s -= t[a + p * d + i] * work[z + p];
          const v = s * t[a + i * d + i];
          work[z + i] = v;
          grad[g + i] -= r * v;
        }
      } else {
        const a = fo + k * d;
        for (let i = 0; i < d; i++) grad[g + i] -= r * (work[z + i] * t[a + i]);
      }
    }
  }
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
