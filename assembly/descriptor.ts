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
