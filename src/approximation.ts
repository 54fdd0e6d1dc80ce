// The result of a fit: q = O_# (mu_1 x ... x mu_d), each mu_i a histogram density.
import { BufferSet, backendNow, copyOut, withBuffers, type Backend, type BackendName, type Buffer } from "./backend.js";
import type { StepperStatus } from "./core/driver.js";
import { readCompact } from "./core/views.js";
import * as portable from "./generated/portable/index.js";
import { MAX_VALUES, booleanOption, integer, knownKeys, options, points as checkPoints, seedOption } from "./validate.js";

/** A factor mu_i on its grid: cell centres `x` and the density at them (mass / cell width). */
export interface Marginal {
  readonly x: Float64Array;
  readonly density: Float64Array;
  /** Cell masses (summing to 1). */
  readonly mass: Float64Array;
  /** The grid: G cells of width `cellWidth` starting at `lo`. */
  readonly lo: number;
  readonly cellWidth: number;
}

/** @internal What a fit hands over to build an Approximation. */
export interface ApproximationParts {
  method: string;
  backend: BackendName;
  /** A compact workspace (MfviView.compact) holding grids, masses, rotation. */
  factors: Float64Array;
  kl: number;
  klError: number;
  normalized: boolean;
  iterations: number;
  status: StepperStatus;
  message: string;
  trace: Float64Array;
  warnings: string[];
  runs?: Float64Array;
  runErrors?: Float64Array;
}

/**
 * A fitted product approximation in rotated coordinates y = O^T x. `marginals` are the
 * factors (in y), `sample` and `logDensity` work in the original coordinates x.
 */
export class Approximation {
  readonly method: string;
  readonly dim: number;
  /** O, d x d row-major (columns are the factor directions); the identity for MFVI. */
  readonly rotation: Float64Array;
  readonly marginals: readonly Marginal[];
  /**
   * KL(q || pi) = E_q[V] - H(q) + log Z of exactly this q (the histograms that `sample` and
   * `logDensity` represent). For normalised targets (built-in ones) this is the true KL;
   * otherwise log Z is unknown and this is E_q[V] - H(q) (the negative ELBO). `trace` holds
   * the grid objective the sweeps minimise (V at cell centres), which differs by O(h^2).
   */
  readonly kl: number;
  /**
   * The standard error of `kl` (and of `elbo`): that of a Monte Carlo mean in sampled
   * quadrature and for gaussianMfvi; 0 when `kl` is a quadrature over the grids (exact).
   */
  readonly klError: number;
  /** -E_q[V] + H(q): the evidence lower bound (log Z - KL). */
  readonly elbo: number;
  /** What the user should not trust about this result (empty when nothing was found). */
  readonly warnings: readonly string[];
  /** Iterations run: CAVI sweeps (mfvi, rovi) or Adam steps (gaussianMfvi). */
  readonly iterations: number;
  /** status === 'converged'. */
  readonly converged: boolean;
  /** How the fit ended; 'running' for a snapshot taken mid-fit (Stepper.current()). */
  readonly status: StepperStatus;
  /** Why a fit stopped when it did not converge ('' otherwise). */
  readonly message: string;
  /** The KL estimate after each sweep (gaussianMfvi: each iteration's estimate of -ELBO). */
  readonly trace: Float64Array;
  /**
   * RoVI: every run's final KL, in restart order. With restarts > 1 the runs are compared on
   * common draws (the same for every run), so these differ from `kl`, which is estimated
   * afresh for the kept run (the first with the lowest of these).
   */
  readonly runs: Float64Array | undefined;
  /** The standard errors of `runs` (0 where they are exact quadratures). */
  readonly runErrors: Float64Array | undefined;
  readonly backend: BackendName;
  private readonly factors: Float64Array;
  private readonly parts: ApproximationParts;

  /** @internal Built by the fits. */
  constructor(r: ApproximationParts) {
    this.parts = r;
    const { d, rotation, grids } = readCompact(r.factors);
    this.method = r.method;
    this.dim = d;
    this.factors = r.factors;
    this.backend = r.backend;
    this.rotation = rotation;
    this.marginals = grids.map(({ lo, h, mass }) => ({
      x: Float64Array.from({ length: mass.length }, (_, k) => lo + h * (k + 0.5)),
      density: mass.map((p) => p / h),
      mass,
      lo,
      cellWidth: h,
    }));
    this.kl = r.kl;
    this.klError = r.klError;
    this.elbo = -r.kl;
    this.warnings = r.warnings;
    this.iterations = r.iterations;
    this.status = r.status;
    this.converged = r.status === "converged";
    this.message = r.message;
    this.trace = r.trace;
    this.runs = r.runs;
    this.runErrors = r.runErrors;
  }

  /** @internal What this was built from: `new Approximation(q.toParts())` rebuilds it (in a worker's caller, say). */
  toParts(): ApproximationParts {
    return this.parts;
  }

  /** Mean of q in x-coordinates: O E_mu[y]. */
  get mean(): Float64Array {
    const d = this.dim;
    const m = this.marginals.map((g) => portable.histMean(g.mass, 0, g.mass.length, g.lo, g.cellWidth));
    return Float64Array.from({ length: d }, (_, r) => m.reduce((s, mi, c) => s + this.rotation[r * d + c] * mi, 0));
  }

  /** Covariance of q in x-coordinates, d x d row-major: O diag(Var mu_i) O^T. */
  get covariance(): Float64Array {
    const d = this.dim;
    const v = this.marginals.map((g) => portable.histVariance(g.mass, 0, g.mass.length, g.lo, g.cellWidth));
    const out = new Float64Array(d * d);
    for (let r = 0; r < d; r++)
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += this.rotation[r * d + i] * v[i] * this.rotation[c * d + i];
        out[r * d + c] = s;
      }
    return out;
  }

  /** n independent draws from q, row-major n x d, in x-coordinates. Same seed, same bits. */
  sample(n: number, opts: { seed?: number; stratified?: boolean } = {}): Float64Array {
    integer("n", n, 1, Math.floor(MAX_VALUES / this.dim));
    const o = options("options", opts);
    knownKeys("options", o, ["seed", "stratified"]);
    const s = seedOption("options.seed", o.seed);
    const stratified = booleanOption("options.stratified", o.stratified, false);
    return withFactors(backendNow(undefined), this.factors, (b, ws) => {
      const bufs = new BufferSet(b);
      try {
        const rng = bufs.i32(4);
        const y = bufs.f64(n * this.dim);
        const out = bufs.f64(n * this.dim);
        b.kernels.seedStreams(rng.handle, s.lo, s.hi, 1);
        b.kernels.mfviSample(ws.handle, rng.handle, n, stratified ? 1 : 0, y.handle, out.handle);
        return copyOut(out);
      } finally {
        bufs.free();
      }
    });
  }

  /** log q at n points (row-major n x d, finite), -Infinity outside the grids. */
  logDensity(points: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim);
    return withFactors(backendNow(undefined), this.factors, (b, ws) => {
      return withBuffers(b, [n * this.dim, n * this.dim, n], ([x, y, out]) => {
        x.view.set(points);
        b.kernels.mfviLogDensity(ws.handle, x.handle, n, y.handle, out.handle);
        return copyOut(out);
      });
    });
  }
}

/** Runs f with the factors copied into a workspace of backend b, freed when f returns. */
function withFactors<T>(b: Backend, factors: Float64Array, f: (b: Backend, ws: Buffer<Float64Array>) => T): T {
  return withBuffers(b, [factors.length], ([ws]) => {
    ws.view.set(factors);
    return f(b, ws);
  });
}
