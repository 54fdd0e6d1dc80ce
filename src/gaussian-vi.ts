// Full-rank Gaussian VI by stochastic gradients: Stan's `fullrank` ADVI. q = N(m, L L^T), L
// lower triangular with diagonal exp(omega); the reparameterisation x = m + L eps, Adam and
// the window/stall/averaging scheme are gaussianMfvi's (src/core/advi.ts, assembly/advi.ts).
import { getBackend, withBuffers, type Backend } from "./backend.js";
import type { ProgressInfo } from "./cavi.js";
import { AdviFit, parseAdvi, type AdviConfig, type AdviOptions } from "./core/advi.js";
import { runToEnd, type Stepper } from "./core/driver.js";
import { gaussianDraws, GaussianApproximation } from "./gaussian-approximation.js";
import { klErrorWarning } from "./checks.js";
import type { Target } from "./targets.js";
import { integer, rangeError } from "./validate.js";

export interface GaussianViOptions extends AdviOptions {
  /** Draws of q for the Monte Carlo KL estimate of the result (and of each current()); default 10,000. */
  klSamples?: number;
}

class FullRankFit extends AdviFit<GaussianApproximation> {
  constructor(
    backend: Backend,
    target: Target,
    c: AdviConfig,
    private readonly klSamples: number,
  ) {
    super(backend, target, c, true);
  }

  /**
   * q with its KL estimated from klSamples draws: the mean of log q - log pi and its standard
   * error. The draws' eps come from stream 1 of the seed (the gradients use stream 0), so every
   * snapshot of a fit is measured on the same design.
   */
  protected build(theta: Float64Array): GaussianApproximation {
    const { d, klSamples: n } = this;
    const { x, logq } = gaussianDraws(theta, d, this.c.seed, 1, n);
    const logp = withBuffers(this.backend, [n * d, n], ([xs, out]) => {
      xs.view.set(x);
      this.evaluator.logDensity(xs, n, out);
      return Float64Array.from(out.view.subarray(0, n));
    });
    let sum = 0;
    for (let k = 0; k < n; k++) sum += logq[k] - logp[k];
    const kl = sum / n;
    let squares = 0;
    for (let k = 0; k < n; k++) squares += (logq[k] - logp[k] - kl) ** 2;
    const failed = !Number.isFinite(kl) && this.status !== "diverged";
    const klError = Math.sqrt(squares / (n - 1) / n);
    const noisy = klErrorWarning(kl, klError);
    return new GaussianApproximation({
      method: "gaussianVi",
      backend: this.backend.name,
      dim: d,
      theta,
      kl,
      klError,
      iterations: this.done_,
      status: this.status,
      message: failed ? `${this.message ? this.message + "; " : ""}the KL estimate is ${kl}: log pi was not finite at a draw of q` : this.message,
      trace: Float64Array.from(this.trace),
      warnings: noisy ? [noisy] : [],
    });
  }
}

async function start(target: Target, opts: GaussianViOptions | undefined): Promise<{ fit: FullRankFit; c: AdviConfig }> {
  const { c, o } = parseAdvi(target, opts, ["klSamples"]);
  const d = target.dim;
  const klSamples = o.klSamples === undefined ? 10_000 : integer("options.klSamples", o.klSamples, 2, 1e7);
  if (klSamples * d > 2 ** 26) throw rangeError("options.klSamples", `at most ${Math.floor(2 ** 26 / d)} in dimension ${d}`, klSamples);
  return { fit: new FullRankFit(await getBackend(c.backend), target, c, klSamples), c };
}

/**
 * Starts a full-rank Gaussian fit to step by hand: `step()` runs one window of 100 Adam
 * iterations, `current()` is the GaussianApproximation of the current parameters, `result()`
 * the final one (the Polyak-Ruppert average). `gaussianVi(target, options)` is exactly this,
 * stepped until done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fit = await gaussianViStepper(gaussian({ mean: [0, 0], covariance: [[2, 0.9], [0.9, 1]] }));
 * while (!fit.done) fit.step();
 * assert.equal(fit.result().method, "gaussianVi");
 * fit.dispose();
 * ```
 */
export async function gaussianViStepper(target: Target, opts?: GaussianViOptions): Promise<Stepper<GaussianApproximation, ProgressInfo>> {
  return (await start(target, opts)).fit;
}

/**
 * Full-rank Gaussian VI (Stan's `fullrank` ADVI): argmax over q = N(m, L L^T) of the ELBO, by
 * Adam on reparameterised stochastic gradients x = m + L eps, with gaussianMfvi's options,
 * stopping rule and Polyak-Ruppert averaging (of m, log diag L and L below the diagonal).
 * Needs the target's gradient. The result is a GaussianApproximation (method 'gaussianVi'):
 * q itself, exact draws and log density; its `kl` is E_q[log q - log pi] estimated from
 * options.klSamples draws of q, the same standard normals for every fit with this seed, with
 * the standard error `klError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a correlated Gaussian is in the family: the fit recovers it, KL ~ 0 within its error
 * const q = await gaussianVi(gaussian({ mean: [1, 2], covariance: [[2, 0.9], [0.9, 1]] }));
 * assert.ok(Math.abs(q.covariance[1] - 0.9) < 0.1 && q.kl < 3 * q.klError + 0.01);
 * ```
 */
export async function gaussianVi(target: Target, opts?: GaussianViOptions): Promise<GaussianApproximation> {
  const { fit, c } = await start(target, opts);
  return runToEnd(fit, c);
}
