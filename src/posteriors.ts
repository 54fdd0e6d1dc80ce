// Posteriors built from data (ALGORITHMS.md section 7).
import { CustomTarget, customTarget } from "./targets.js";
import { faithfulEruptions } from "./data/faithful.js";
import { finite, knownKeys, options, rangeError, vector } from "./validate.js";

export interface LabelSwitchingOptions {
  /** Observations x_n; default: the Old Faithful eruption durations (272, minutes). */
  data?: readonly number[] | Float64Array;
  /** The components' fixed standard deviation s; default 0.4. */
  sigma?: number;
  /** Mean of the Gaussian prior on each mu_k; default: the data's mean. */
  priorMean?: number;
  /** Standard deviation of that prior; default 2 (broad). */
  priorSd?: number;
}

/**
 * The posterior of (mu_1, mu_2) in x_n ~ 1/2 N(mu_1, s^2) + 1/2 N(mu_2, s^2) with independent
 * N(priorMean, priorSd^2) priors: symmetric under swapping the labels, so it has two equal
 * modes on either side of the diagonal mu_1 = mu_2. Unnormalised (log Z unknown): fits report
 * E_q[V] - H(q) as `kl`. Log density and gradient are exact and computed in batches.
 */
export function labelSwitchingPosterior(opts?: LabelSwitchingOptions): CustomTarget {
  const o = options("options", opts);
  knownKeys("options", o, ["data", "sigma", "priorMean", "priorSd"]);
  const x = o.data === undefined ? Float64Array.from(faithfulEruptions) : vector("options.data", o.data);
  const s = o.sigma === undefined ? 0.4 : finite("options.sigma", o.sigma);
  if (!(s > 0)) throw rangeError("options.sigma", "positive", s);
  const m0 = o.priorMean === undefined ? x.reduce((a, b) => a + b, 0) / x.length : finite("options.priorMean", o.priorMean);
  const tau = o.priorSd === undefined ? 2 : finite("options.priorSd", o.priorSd);
  if (!(tau > 0)) throw rangeError("options.priorSd", "positive", tau);
  const inv2s2 = 1 / (2 * s * s);
  const constant = -x.length * (Math.log(s) + 0.5 * Math.log(2 * Math.PI)) - 2 * (Math.log(tau) + 0.5 * Math.log(2 * Math.PI));

  /** log p(mu | x) + const at one point; fills the gradient if `grad` is given. */
  function at(mu1: number, mu2: number, grad: Float64Array | null, g: number): number {
    let lp = constant - ((mu1 - m0) ** 2 + (mu2 - m0) ** 2) / (2 * tau * tau);
    let g1 = -(mu1 - m0) / (tau * tau);
    let g2 = -(mu2 - m0) / (tau * tau);
    for (let n = 0; n < x.length; n++) {
      const a = -((x[n] - mu1) ** 2) * inv2s2;
      const b = -((x[n] - mu2) ** 2) * inv2s2;
      const top = Math.max(a, b);
      const ea = Math.exp(a - top);
      const eb = Math.exp(b - top);
      lp += top + Math.log(0.5 * (ea + eb));
      const r1 = ea / (ea + eb);
      g1 += (r1 * (x[n] - mu1)) / (s * s);
      g2 += ((1 - r1) * (x[n] - mu2)) / (s * s);
    }
    if (grad) {
      grad[g] = g1;
      grad[g + 1] = g2;
    }
    return lp;
  }
  return customTarget({
    dim: 2,
    logDensity(points, out) {
      for (let j = 0; j < out.length; j++) out[j] = at(points[2 * j], points[2 * j + 1], null, 0);
    },
    gradLogDensity(points, grad) {
      for (let j = 0; j < points.length / 2; j++) at(points[2 * j], points[2 * j + 1], grad, 2 * j);
    },
  });
}
