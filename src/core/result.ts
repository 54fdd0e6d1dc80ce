// What every fit's result reports besides q itself: its KL, how it ended, its trace.
import type { BackendName } from "../backend.js";
import type { StepperStatus } from "./driver.js";

/** @internal What a fit hands over for the report. */
export interface FitReportParts {
  method: string;
  backend: BackendName;
  kl: number;
  klError: number;
  iterations: number;
  status: StepperStatus;
  message: string;
  trace: Float64Array;
  warnings: string[];
}

export abstract class FitReport {
  /** The fit that made it: 'mfvi', 'rovi', 'gaussianMfvi', 'gaussianVi'. */
  readonly method: string;
  /**
   * KL(q || pi) = E_q[V] - H(q) + log Z. For normalised targets (built-in ones) this is the
   * true KL; otherwise log Z is unknown and this is E_q[V] - H(q) (the negative ELBO).
   * Approximation: of exactly the histograms that `sample` and `logDensity` represent (the
   * sweeps' `trace` holds the grid objective, V at cell centres, which differs by O(h^2));
   * GaussianApproximation: a Monte Carlo estimate.
   */
  readonly kl: number;
  /**
   * The standard error of `kl` (and of `elbo`): that of a Monte Carlo mean in sampled
   * quadrature and for the Gaussian fits; 0 when `kl` is a quadrature over the grids (exact).
   */
  readonly klError: number;
  /** -E_q[V] + H(q): the evidence lower bound (log Z - KL). */
  readonly elbo: number;
  /** What the user should not trust about this result (empty when nothing was found). */
  readonly warnings: readonly string[];
  /** Iterations run: CAVI sweeps (mfvi, rovi) or Adam steps (gaussianMfvi, gaussianVi). */
  readonly iterations: number;
  /** status === 'converged'. */
  readonly converged: boolean;
  /** How the fit ended; 'running' for a snapshot taken mid-fit (Stepper.current()). */
  readonly status: StepperStatus;
  /** Why a fit stopped when it did not converge ('' otherwise). */
  readonly message: string;
  /** The KL estimate after each sweep (gaussianMfvi, gaussianVi: each iteration's estimate of -ELBO). */
  readonly trace: Float64Array;
  readonly backend: BackendName;

  constructor(r: FitReportParts) {
    this.method = r.method;
    this.backend = r.backend;
    this.kl = r.kl;
    this.klError = r.klError;
    this.elbo = -r.kl;
    this.warnings = r.warnings;
    this.iterations = r.iterations;
    this.status = r.status;
    this.converged = r.status === "converged";
    this.message = r.message;
    this.trace = r.trace;
  }
}
