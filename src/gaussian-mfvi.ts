// Gaussian mean-field VI fitted by stochastic gradients: the ADVI baseline of Stan and PyMC
// (Kucukelbir et al., "Automatic Differentiation Variational Inference", JMLR 2017).
// q = prod_i N(m_i, s_i^2), s_i = exp(omega_i); the ELBO's gradient is estimated with the
// reparameterisation x = m + s * eps and followed by Adam (the stepper: src/core/advi.ts,
// the kernels: assembly/advi.ts).
import { Approximation } from "./approximation.js";
import { getBackend, type Backend } from "./backend.js";
import { Engine, parseCaviOptions, type CaviConfig, type ProgressInfo } from "./cavi.js";
import { AdviFit, parseAdvi, type AdviConfig, type AdviOptions } from "./core/advi.js";
import { runToEnd, type Stepper } from "./core/driver.js";
import * as P from "./generated/portable/index.js";
import { identity } from "./mfvi.js";
import type { Target } from "./targets.js";

export interface GaussianMfviOptions extends AdviOptions {
  /** Cells of each histogram factor of the returned Approximation; default 256. */
  gridSize?: number;
}

/** A Gaussian mean-field fit; its result is the factors on histogram grids. */
class MeanFieldFit extends AdviFit<Approximation> {
  constructor(
    backend: Backend,
    target: Target,
    c: AdviConfig,
    /** The grids' engine: its gridSize, quadrature and KL draws. */
    private readonly grids: CaviConfig,
  ) {
    super(backend, target, c, false);
  }

  /** The Gaussian factors on histogram grids of center +- 8 scale, their KL evaluated like a fit's. */
  protected build(theta: Float64Array): Approximation {
    const d = this.d;
    const engine = Engine.on(this.backend, this.target, this.grids);
    try {
      engine.setRotation(identity(d));
      engine.initFactors(
        theta.slice(0, d),
        theta.slice(d, 2 * d).map((w) => P.exp(w)),
      );
      return new Approximation(engine.report({ method: "gaussianMfvi", status: this.status, message: this.message, iterations: this.done_, trace: this.trace }));
    } finally {
      engine.dispose();
    }
  }
}

async function start(target: Target, opts: GaussianMfviOptions | undefined): Promise<{ fit: MeanFieldFit; c: AdviConfig }> {
  const { c, o } = parseAdvi(target, opts, ["gridSize"]);
  // the grids' options with mfvi's checks and caps, before any work; their KL is evaluated
  // on draws of this fit's seed (sampled quadrature, d > 2) and honours its signal. The grids
  // never sweep: the fewest samples (a custom target's batch cap on them is not gaussianMfvi's)
  const grids = { ...parseCaviOptions(target, { samples: 2, gridSize: o.gridSize }), seed: c.seed, klSeed: c.seed, signal: c.signal };
  return { fit: new MeanFieldFit(await getBackend(c.backend), target, c, grids), c };
}

/**
 * Starts a Gaussian mean-field fit to step by hand: `step()` runs one window of 100 Adam
 * iterations, `current()` is the Approximation of the current parameters, `result()` the
 * final one (the Polyak-Ruppert average). `gaussianMfvi(target, options)` is exactly this,
 * stepped until done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fit = await gaussianMfviStepper(gaussian({ mean: [1, -1], covariance: 1 }), { seed: 1 });
 * while (!fit.done) fit.step(); // 100 Adam iterations a step; fit.current() between steps
 * const q = fit.result();
 * assert.ok(q.converged && Math.abs(q.mean[0] - 1) < 0.05);
 * fit.dispose();
 * ```
 */
export async function gaussianMfviStepper(target: Target, opts?: GaussianMfviOptions): Promise<Stepper<Approximation, ProgressInfo>> {
  return (await start(target, opts)).fit;
}

/**
 * Gaussian mean-field VI (ADVI): argmax over q = prod_i N(m_i, s_i^2) of the ELBO, by Adam on
 * reparameterised stochastic gradients, at a constant step size. Needs the target's gradient.
 * Once the ELBO stalls (options.tol) the fit runs 1000 more iterations and returns the average
 * of the iterates over them (Polyak-Ruppert averaging: it removes most of the gradient noise
 * that a constant step size leaves in the last iterate); 'maxIterations' fits return the
 * average over their last 1000 iterations. The result is an Approximation whose factors are
 * these Gaussians on histogram grids of center +- 8 scale (method 'gaussianMfvi', iterations =
 * Adam iterations, trace = the per-iteration estimates of -ELBO: the KL for normalised
 * targets, up to Monte Carlo noise; `kl` is evaluated on the grids like an mfvi() fit's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two well-separated components: Gaussian mean field collapses like grid MFVI, KL ~ log 2
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const q = await gaussianMfvi(t, { init: { center: 1, scale: 1 } });
 * assert.ok(Math.abs(q.kl - Math.LN2) < 0.02);
 * ```
 */
export async function gaussianMfvi(target: Target, opts?: GaussianMfviOptions): Promise<Approximation> {
  const { fit, c } = await start(target, opts);
  return runToEnd(fit, c);
}
