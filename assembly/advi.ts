// Gaussian VI by stochastic gradients (ADVI, Kucukelbir et al. 2017, as in Stan and PyMC):
// q = N(m, L L^T) with L lower triangular, L_ii = s_i = exp(omega_i), maximising
//   ELBO = E_q[log pi(X)] + sum_i omega_i + d/2 (1 + log 2 pi)
// with the reparameterisation X = m + L eps, eps ~ N(0, I): from S draws per iteration,
//   dELBO/dm_i     ~ 1/S sum_s g_si,
//   dELBO/domega_i ~ 1/S sum_s g_si eps_si s_i + 1,     g_s = grad log pi(x_s),
//   dELBO/dL_ij    ~ 1/S sum_s g_si eps_sj              (j < i, full rank only),
// and Adam steps (Kingma & Ba 2015, bias-corrected) on theta = (m, omega[, L below the
// diagonal, row by row]). Mean field is the case L = diag(s): the same kernels with `full` 0.
// One iteration is adviDraw (points x), the gradient at x (a mixture kernel, or the host for
// custom targets), then adviStep. The draws use stream 0 of `rng` only.
//
// Workspace ws: a header, then blocks of p = adviParams(d, full) entries (theta, Adam's first
// and second moments, the gradient, the window sum of theta), then the S x d normals eps.
// Offsets: adviAt.
import { exp } from "./math";
import { fillNormal } from "./random";
import { mixtureGradLogDensity } from "./targets";

export const AD_D = 0;
export const AD_S = 1;
export const AD_T = 2; // Adam steps taken
export const AD_LR = 3;
export const AD_B1 = 4;
export const AD_B2 = 5;
export const AD_EPS = 6;
export const AD_B1T = 7; // beta1^t
export const AD_B2T = 8; // beta2^t
export const AD_ELBO = 9; // the last iteration's ELBO estimate
export const AD_WIN = 10; // iterations summed into the window
export const AD_WELBO = 11; // window sum of the ELBO estimates
export const AD_FULL = 12; // 1: full rank, 0: mean field
export const AD_P = 13; // parameters: adviParams(d, full)
export const ADVI_HEADER = 16;
export const AB_THETA = 0; // m (d), omega (d), then L_ij for i > j (full rank)
export const AB_M1 = 1;
export const AB_M2 = 2;
export const AB_GRAD = 3;
export const AB_WSUM = 4;
export const AB_EPS = 5; // S x d, not p
const HALF_LOG_2PI = 0.91893853320467274178;

/** Parameters of q: m and omega (2 d), and in full rank the d (d - 1) / 2 entries of L below the diagonal. */
export function adviParams(d: i32, full: i32): i32 {
  return full != 0 ? 2 * d + ((d * (d - 1)) >> 1) : 2 * d;
}

/** Start of block `b` (AB_*) in a workspace with p parameters. */
export function adviAt(p: i32, b: i32): i32 {
  return ADVI_HEADER + p * b;
}

export function adviSize(d: i32, S: i32, full: i32): i32 {
  return adviAt(adviParams(d, full), AB_EPS) + S * d;
}

/** A fresh workspace: theta = 0 (the host sets it), moments and window cleared. */
export function adviInit(ws: Float64Array, d: i32, S: i32, full: i32, lr: f64, beta1: f64, beta2: f64, eps: f64): void {
  const n = adviSize(d, S, full);
  for (let i = 0; i < n; i++) ws[i] = 0.0;
  ws[AD_D] = <f64>d;
  ws[AD_S] = <f64>S;
  ws[AD_FULL] = full != 0 ? 1.0 : 0.0;
  ws[AD_P] = <f64>adviParams(d, full);
  ws[AD_LR] = lr;
  ws[AD_B1] = beta1;
  ws[AD_B2] = beta2;
  ws[AD_EPS] = eps;
  ws[AD_B1T] = 1.0;
  ws[AD_B2T] = 1.0;
}

/** Clears the window sums (theta and ELBO). */
export function adviResetWindow(ws: Float64Array): void {
  const p = (<i32>ws[AD_P]) | 0;
  const w = adviAt(p, AB_WSUM);
  for (let i = 0; i < p; i++) ws[w + i] = 0.0;
  ws[AD_WIN] = 0.0;
  ws[AD_WELBO] = 0.0;
}

/** Offset in theta of row i of L below the diagonal (L_ij at gaussianRow(d, i) + j, j < i). */
function gaussianRow(d: i32, i: i32): i32 {
  return 2 * d + ((i * (i - 1)) >> 1);
}

/**
 * The points x_k = m + L eps_k of n rows eps_k (eps[eo + k d ..]) into x (n x d), for theta =
 * (m, omega[, L below the diagonal]) at th[at ..].
 */
export function gaussianPoints(th: Float64Array, at: i32, d: i32, full: i32, eps: Float64Array, eo: i32, n: i32, x: Float64Array): void {
  for (let i = 0; i < d; i++) {
    const m = th[at + i];
    const s = exp(th[at + d + i]);
    const row = at + gaussianRow(d, i);
    for (let k = 0; k < n; k++) {
      const e = eo + k * d;
      let v = m + s * eps[e + i];
      if (full != 0) for (let j = 0; j < i; j++) v += th[row + j] * eps[e + j];
      x[k * d + i] = v;
    }
  }
}

/** Draws eps (S x d) and writes the points x_s = m + L eps_s into x. */
export function adviDraw(ws: Float64Array, rng: Int32Array, x: Float64Array): void {
  const d = (<i32>ws[AD_D]) | 0;
  const S = (<i32>ws[AD_S]) | 0;
  const P = (<i32>ws[AD_P]) | 0;
  const e = adviAt(P, AB_EPS);
  fillNormal(rng, 0, ws, e, S * d);
  gaussianPoints(ws, adviAt(P, AB_THETA), d, (<i32>ws[AD_FULL]) | 0, ws, e, S, x);
}

/**
 * One Adam step from the log density and gradient at the points of the last adviDraw.
 * Returns 0, or -1 (theta unchanged) when a log density or gradient is not finite.
 */
export function adviStep(ws: Float64Array, logp: Float64Array, grad: Float64Array): i32 {
  const d = (<i32>ws[AD_D]) | 0;
  const S = (<i32>ws[AD_S]) | 0;
  const P = (<i32>ws[AD_P]) | 0;
  const e = adviAt(P, AB_EPS);
  const th = adviAt(P, AB_THETA);
  const g = adviAt(P, AB_GRAD);
  let lp = 0.0;
  for (let k = 0; k < S; k++) {
    const v = logp[k];
    if (!(v - v == 0.0)) return -1;
    lp += v;
  }
  const inv = 1.0 / <f64>S;
  let entropy = 0.0;
  for (let i = 0; i < d; i++) {
    const omega = ws[th + d + i];
    const s = exp(omega);
    let gm = 0.0;
    let gw = 0.0;
    for (let k = 0; k < S; k++) {
      const gi = grad[k * d + i];
      if (!(gi - gi == 0.0)) return -1;
      gm += gi;
      gw += gi * ws[e + k * d + i];
    }
    ws[g + i] = gm * inv;
    ws[g + d + i] = gw * inv * s + 1.0;
    entropy += omega;
  }
  if (ws[AD_FULL] != 0.0)
    for (let i = 1; i < d; i++) {
      const row = g + gaussianRow(d, i);
      for (let j = 0; j < i; j++) {
        let gl = 0.0;
        for (let k = 0; k < S; k++) gl += grad[k * d + i] * ws[e + k * d + j];
        ws[row + j] = gl * inv;
      }
    }
  const elbo = lp * inv + entropy + <f64>d * (0.5 + HALF_LOG_2PI);
  // Adam, ascending
  const lr = ws[AD_LR];
  const b1 = ws[AD_B1];
  const b2 = ws[AD_B2];
  const b1t = ws[AD_B1T] * b1;
  const b2t = ws[AD_B2T] * b2;
  const m1 = adviAt(P, AB_M1);
  const m2 = adviAt(P, AB_M2);
  const w = adviAt(P, AB_WSUM);
  for (let p = 0; p < P; p++) {
    const gp = ws[g + p];
    const a = b1 * ws[m1 + p] + (1.0 - b1) * gp;
    const b = b2 * ws[m2 + p] + (1.0 - b2) * gp * gp;
    ws[m1 + p] = a;
    ws[m2 + p] = b;
    const theta = ws[th + p] + (lr * (a / (1.0 - b1t))) / (Math.sqrt(b / (1.0 - b2t)) + ws[AD_EPS]);
    ws[th + p] = theta;
    ws[w + p] += theta;
  }
  ws[AD_B1T] = b1t;
  ws[AD_B2T] = b2t;
  ws[AD_T] += 1.0;
  ws[AD_ELBO] = elbo;
  ws[AD_WIN] += 1.0;
  ws[AD_WELBO] += elbo;
  return 0;
}

/**
 * `iters` iterations on a mixture target t; trace[k] gets iteration k's ELBO estimate.
 * Scratch: x, grad (S x d), logp (S), work (K + K d). Returns 0, or -1 as adviStep (the
 * iterations done are in ws[AD_T]).
 */
export function adviRunMixture(
  ws: Float64Array,
  t: Float64Array,
  rng: Int32Array,
  iters: i32,
  x: Float64Array,
  logp: Float64Array,
  grad: Float64Array,
  work: Float64Array,
  trace: Float64Array,
): i32 {
  const S = (<i32>ws[AD_S]) | 0;
  for (let k = 0; k < iters; k++) {
    adviDraw(ws, rng, x);
    mixtureGradLogDensity(t, x, S, logp, grad, work);
    if (adviStep(ws, logp, grad) < 0) return -1;
    trace[k] = ws[AD_ELBO];
  }
  return 0;
}
