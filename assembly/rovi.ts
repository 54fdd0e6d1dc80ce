// The rotation step of RoVI (docs/algorithms.md §3): for fixed factors mu, only
// F(O) = E_mu[V(O y)] depends on O. Its gradient G = E_mu[grad V(O y) y^T] is estimated on
// draws y_j ~ mu; the Procrustes step O <- polar(c O - G) minimises the majoriser
// F(O) + <G, P - O> + c/2 |P - O|^2 over orthogonal P, with c doubled until F does not increase.

import { subtractOuterProducts } from "./vector";
import { matrixTimesRows } from "./matrix";

/**
 * From draws y (n x d) and grad log pi at x_j = O y_j (n x d) with log pi (n): writes
 * G = -(1/n) sum_j grad log pi(x_j) y_j^T (d x d, row-major) and returns F = -(1/n) sum log pi.
 */
export function roviGradient(y: Float64Array, grad: Float64Array, logp: Float64Array, n: i32, d: i32, g: Float64Array): f64 {
  for (let r = 0; r < d * d; r++) g[r] = 0.0;
  let f = 0.0;
  for (let j = 0; j < n; j++) f -= logp[j];
  subtractOuterProducts(g, grad, y, n, d);
  const inv = 1.0 / <f64>n;
  for (let r = 0; r < d * d; r++) g[r] *= inv;
  return f * inv;
}

/** -(1/n) sum_j logp[j]: the sample estimate of F = E[V]. */
export function meanPotential(logp: Float64Array, n: i32): f64 {
  let f = 0.0;
  for (let j = 0; j < n; j++) f -= logp[j];
  return f / <f64>n;
}

/** m = c o - g for d x d matrices (the matrix whose polar factor is the Procrustes step). */
export function procrustesTarget(o: Float64Array, g: Float64Array, c: f64, d: i32, m: Float64Array): void {
  for (let r = 0; r < d * d; r++) m[r] = c * o[r] - g[r];
}

/** out_j = R y_j for n row vectors of length d (R d x d, row-major). */
export function applyRotation(rot: Float64Array, d: i32, y: Float64Array, n: i32, out: Float64Array): void {
  matrixTimesRows(rot, 0, d, y, n, out);
}

/** Frobenius norm of a - b for d x d matrices. */
export function frobeniusDistance(a: Float64Array, b: Float64Array, d: i32): f64 {
  let s = 0.0;
  for (let r = 0; r < d * d; r++) {
    const x = a[r] - b[r];
    s += x * x;
  }
  return Math.sqrt(s);
}
