// The mixture descriptor: one Float64Array that crosses into the kernels once (assembly/targets.ts
// builds it and evaluates it; assembly/blocks.ts evaluates it several points at a time).
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
import { logSumExpStrided } from "./math";
import { expRow } from "./simdmath";
import { standardize, subtractProducts } from "./vector";

export const KIND_FULL = 1;
export const KIND_DIAG = 2;
export const HEADER = 8;

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
      const row = a + i * d;
      const zi = subtractProducts(points[at + i] - t[m + i], t, row, z, zt, i) * t[row + i];
      z[zt + i] = zi;
      q += zi * zi;
    }
  } else {
    q = standardize(points, at, t, m, t, offFactors(t) + k * d, z, zt, d);
  }
  return t[HEADER + k] - 0.5 * q;
}

/**
 * logp[lo] = log pi(x) and grad[at .. at + d) = grad log pi(x) for the point x = points[at ..
 * at + d) (pointGradientFrom). work: K + K d entries (the K log terms, then each z_k).
 */
export function pointGradient(t: Float64Array, points: Float64Array, at: i32, logp: Float64Array, lo: i32, grad: Float64Array, work: Float64Array): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  for (let k = 0; k < K; k++) work[k] = componentLogDensity(t, k, points, at, work, K + k * d);
  const lp = logSumExpStrided(work, 0, 1, K);
  logp[lo] = lp;
  expRow(work, 0, lp, work, 0, K); // the responsibilities
  pointGradientFrom(t, work, 0, K, grad, at);
}

/**
 * grad[at .. at + d) = grad log pi(x) = -sum_k r_k S_k^-1 (x - m_k) = -sum_k r_k L_k^-T z_k
 * (the sum from 0 in k order) from a point's responsibilities r_k = exp(c_k - |z_k|^2 / 2 -
 * log pi(x)) at work[rt + k] and its z_k at work[zt + k d] (overwritten by L_k^-T z_k).
 */
export function pointGradientFrom(t: Float64Array, work: Float64Array, rt: i32, zt: i32, grad: Float64Array, at: i32): void {
  const d = (<i32>t[1]) | 0;
  const K = (<i32>t[2]) | 0;
  const full = (<i32>t[0]) == KIND_FULL;
  const fo = offFactors(t);
  for (let i = 0; i < d; i++) grad[at + i] = 0.0;
  for (let k = 0; k < K; k++) {
    const r = work[rt + k];
    const z = zt + k * d;
    if (full) {
      // back substitution: v = L^-T z overwrites z, from the last coordinate up
      const a = fo + k * d * d;
      for (let i = d - 1; i >= 0; i--) {
        let s = work[z + i];
        for (let p = i + 1; p < d; p++) s -= t[a + p * d + i] * work[z + p];
        const v = s * t[a + i * d + i];
        work[z + i] = v;
        grad[at + i] -= r * v;
      }
    } else {
      const a = fo + k * d;
      for (let i = 0; i < d; i++) grad[at + i] -= r * (work[z + i] * t[a + i]);
    }
  }
}
