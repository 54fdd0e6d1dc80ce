// Posteriors built from data (docs/algorithms.md §7).
import { backendNow, withBuffers } from "./backend.js";
import * as P from "./generated/portable/index.js";
import { CustomTarget, customTarget } from "./targets.js";
import { faithfulEruptions } from "./data/faithful.js";
import { finite, knownKeys, options, positive, vector } from "./validate.js";

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
 * E_q[V] - H(q) as `kl`. Log density and gradient are exact, computed in batches by a kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = labelSwitchingPosterior(); // Old Faithful's eruption durations
 * // swapping the two means leaves the posterior unchanged
 * assert.equal(t.logDensity([2, 4.3]), t.logDensity([4.3, 2]));
 * ```
 */
export function labelSwitchingPosterior(opts?: LabelSwitchingOptions): CustomTarget {
  const o = options("options", opts);
  knownKeys("options", o, ["data", "sigma", "priorMean", "priorSd"]);
  const x = o.data === undefined ? Float64Array.from(faithfulEruptions) : vector("options.data", o.data);
  const s = o.sigma === undefined ? 0.4 : positive("options.sigma", o.sigma);
  const m0 = o.priorMean === undefined ? x.reduce((a, b) => a + b, 0) / x.length : finite("options.priorMean", o.priorMean);
  const tau = o.priorSd === undefined ? 2 : positive("options.priorSd", o.priorSd);
  const m = x.length;
  // the kernels' log, not Math.log (which may differ between engines in the last bit)
  const model = Float64Array.of(s, m0, tau, m * P.log(0.5) - m * P.log(s * Math.sqrt(2 * Math.PI)) - 2 * P.log(tau * Math.sqrt(2 * Math.PI)));

  /** The kernel on one batch: log densities into out, and the gradient into grad if given. */
  function evaluate(points: Float64Array, out: Float64Array | null, grad: Float64Array | null): void {
    const n = points.length / 2;
    const b = backendNow(undefined); // WASM once loaded, JS until then: the same bits
    withBuffers(b, [m, 4, 2 * n, n, grad ? 2 * n : 1], ([data, params, at, lp, g]) => {
      data.view.set(x);
      params.view.set(model);
      at.view.set(points);
      b.kernels.labelSwitchingLogDensity(data.handle, m, params.handle, at.handle, n, lp.handle, g.handle, grad ? 1 : 0);
      if (out) out.set(lp.view);
      if (grad) grad.set(g.view);
    });
  }
  return customTarget({
    dim: 2,
    logDensity: (points, out) => evaluate(points, out, null),
    gradLogDensity: (points, grad) => evaluate(points, null, grad),
  });
}
