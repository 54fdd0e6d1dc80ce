// Posteriors built from data (docs/algorithms.md §7), evaluated in the kernel: the host
// calls them once per batch of points, so the data loop runs in WASM rather than in JS.

import { exp, log1p } from "./math";

/**
 * The label-switching posterior of (mu_1, mu_2) given data x_1..x_m, x ~ 1/2 N(mu_1, s^2) +
 * 1/2 N(mu_2, s^2) with N(m0, tau^2) priors, at n points (row-major n x 2):
 *   out[j] = c - sum_k (mu_k - m0)^2 / (2 tau^2) + sum_i [max(a, b) + log1p(e^-|a - b|)],
 *   a = -(x_i - mu_1)^2 / (2 s^2), b = -(x_i - mu_2)^2 / (2 s^2),
 * model = [s, m0, tau, c] with c = m log(1/2) - m log(s sqrt(2 pi)) - 2 log(tau sqrt(2 pi)).
 * With `withGrad` != 0 also grad[2 j + k] = d out[j] / d mu_k: the responsibilities weigh
 * each datum's pull, r_1 = 1 / (1 + e^(b - a)) and r_2 = 1 / (1 + e^(a - b)).
 */
export function labelSwitchingLogDensity(
  data: Float64Array,
  m: i32,
  model: Float64Array,
  points: Float64Array,
  n: i32,
  out: Float64Array,
  grad: Float64Array,
  withGrad: i32,
): void {
  const s = model[0];
  const m0 = model[1];
  const tau = model[2];
  const invS2 = 1.0 / (s * s);
  const half = 0.5 * invS2;
  const invT2 = 1.0 / (tau * tau);
  for (let j = 0; j < n; j++) {
    const mu1 = points[2 * j];
    const mu2 = points[2 * j + 1];
    let lp = model[3] - 0.5 * ((mu1 - m0) * (mu1 - m0) + (mu2 - m0) * (mu2 - m0)) * invT2;
    let g1 = -(mu1 - m0) * invT2;
    let g2 = -(mu2 - m0) * invT2;
    for (let i = 0; i < m; i++) {
      const d1 = data[i] - mu1;
      const d2 = data[i] - mu2;
      const a = -d1 * d1 * half;
      const b = -d2 * d2 * half;
      const e = exp(-Math.abs(a - b));
      lp += Math.max(a, b) + log1p(e);
      if (withGrad != 0) {
        // the responsibilities, each computed the same way so that swapping mu_1 and mu_2
        // swaps the gradient's components exactly
        const large = 1.0 / (1.0 + e);
        const small = e / (1.0 + e);
        g1 += (a >= b ? large : small) * d1 * invS2;
        g2 += (a >= b ? small : large) * d2 * invS2;
      }
    }
    out[j] = lp;
    if (withGrad != 0) {
      grad[2 * j] = g1;
      grad[2 * j + 1] = g2;
    }
  }
}
