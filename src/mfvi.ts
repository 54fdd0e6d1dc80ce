// Mean-field VI: a product of 1-D histogram factors fitted by coordinate ascent (CAVI).
import { Approximation } from "./approximation.js";
import { Engine, initialGuess, parseCaviOptions, type CaviOptions, type ProgressInfo } from "./cavi.js";
import { runToEnd, StepperBase, type Stepper } from "./core/driver.js";
import type { Target } from "./targets.js";

export type MfviOptions = CaviOptions;

/** The d x d identity, row-major. */
export function identity(d: number): Float64Array {
  const o = new Float64Array(d * d);
  for (let i = 0; i < d; i++) o[i * d + i] = 1;
  return o;
}

/** @internal An MFVI fit, one CAVI sweep per step. */
export class MfviFit extends StepperBase<Approximation, ProgressInfo> {
  private sweeps = 0;
  private final: Approximation | null = null;

  constructor(private readonly engine: Engine) {
    super();
    const rotation = identity(engine.d);
    engine.setRotation(rotation);
    const { center, scale } = initialGuess(engine.target, rotation, engine.config);
    engine.startFactors(center, scale);
  }

  protected advance(): ProgressInfo {
    const { engine } = this;
    const end = engine.checkedSweep();
    if (end?.status !== "aborted") this.sweeps++; // an aborted sweep left the state as it was
    if (end?.status === "converged") {
      const settled = engine.settled();
      this.end(settled.status, settled.message);
    } else if (end) this.end(end.status, end.message);
    else if (this.sweeps >= engine.config.maxSweeps)
      this.end("maxIterations", `no convergence in ${engine.config.maxSweeps} sweeps (last change ${engine.maxChange})`);
    return { sweep: this.sweeps, kl: engine.klAfterSweep(), maxChange: engine.maxChange, status: this.status };
  }

  protected snapshot(): Approximation {
    if (this.final) return this.final;
    const q = new Approximation(this.engine.report({ method: "mfvi", status: this.status, message: this.message, iterations: this.sweeps }));
    if (this.done) this.final = q;
    return q;
  }

  protected release(): void {
    this.engine.dispose();
  }
}

/**
 * Starts an MFVI fit to step by hand: `step()` runs one CAVI sweep and returns its report,
 * `current()` is the Approximation of the current factors (its `kl` evaluated as at the end),
 * `result()` the final one. `mfvi(target, options)` is exactly this, stepped until done.
 *
 * @example
 * const fit = await mfviStepper(gaussian({ mean: [0, 0], covariance: 1 }));
 * while (!fit.done) fit.step();
 * const q = fit.result(); // q.status === 'converged'
 * fit.dispose();
 */
export async function mfviStepper(target: Target, options?: MfviOptions): Promise<Stepper<Approximation, ProgressInfo>> {
  const config = parseCaviOptions(target, options);
  return new MfviFit(await Engine.create(target, config));
}

/**
 * Mean-field variational inference: argmin KL(mu || pi) over product measures, each factor a
 * histogram density on an adaptive grid (docs/algorithms.md §2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // two well-separated components on the diagonal: MFVI collapses onto one, KL ~ log 2
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const q = await mfvi(t);
 * assert.ok(Math.abs(q.kl - Math.LN2) < 0.01);
 * ```
 */
export async function mfvi(target: Target, options?: MfviOptions): Promise<Approximation> {
  const config = parseCaviOptions(target, options);
  return runToEnd(new MfviFit(await Engine.create(target, config)), config);
}
