// The result of a fit: q = O_# (mu_1 x ... x mu_d), each mu_i a histogram density.
import { BufferSet, backendNow, copyOut, withBuffers, type Backend, type Buffer } from "./backend.js";
import { FitReport, type FitReportParts } from "./core/result.js";
import { readCompact } from "./core/views.js";
import * as portable from "./generated/portable/index.js";
import { MAX_VALUES, booleanOption, integer, knownKeys, options, points as checkPoints, seedOption } from "./validate.js";

/**
 * A factor mu_i on its grid: cell centres `x` and the density at them (mass / width). The
 * cells need not be equal: adaptive grids place them where the factor's mass is.
 */
export interface Marginal {
  readonly x: Float64Array;
  readonly density: Float64Array;
  /** Cell masses (summing to 1). */
  readonly mass: Float64Array;
  /** The grid: G + 1 increasing cell edges. */
  readonly edges: Float64Array;
  /** Cell widths, edges[k + 1] - edges[k]. */
  readonly widths: Float64Array;
}

/** @internal What a fit hands over to build an Approximation. */
export interface ApproximationParts extends FitReportParts {
  /** A compact workspace (MfviView.compact) holding grids, masses, rotation. */
  factors: Float64Array;
  normalized: boolean;
  runs?: Float64Array;
  runErrors?: Float64Array;
}

/**
 * A fitted product approximation in rotated coordinates y = O^T x. `marginals` are the
 * factors (in y), `sample` and `logDensity` work in the original coordinates x.
 */
export class Approximation extends FitReport {
  readonly dim: number;
  /** O, d x d row-major (columns are the factor directions); the identity for MFVI. */
  readonly rotation: Float64Array;
  readonly marginals: readonly Marginal[];
  /**
   * RoVI: every run's final KL, in restart order. With restarts > 1 the runs are compared on
   * common draws (the same for every run), so these differ from `kl`, which is estimated
   * afresh for the kept run (the first with the lowest of these).
   */
  readonly runs: Float64Array | undefined;
  /** The standard errors of `runs` (0 where they are exact quadratures). */
  readonly runErrors: Float64Array | undefined;
  private readonly factors: Float64Array;
  private readonly parts: ApproximationParts;

  /** @internal Built by the fits. */
  constructor(r: ApproximationParts) {
    super(r);
    this.parts = r;
    const { d, rotation, grids } = readCompact(r.factors);
    this.dim = d;
    this.factors = r.factors;
    this.rotation = rotation;
    this.marginals = grids.map(({ edges, mass }) => {
      const widths = mass.map((_, k) => edges[k + 1] - edges[k]);
      return { x: mass.map((_, k) => portable.centre(edges, 0, k)), density: mass.map((p, k) => p / widths[k]), mass, edges, widths };
    });
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
    const m = this.marginals.map((g) => portable.histMean(g.mass, 0, g.mass.length, g.edges, 0));
    return Float64Array.from({ length: d }, (_, r) => m.reduce((s, mi, c) => s + this.rotation[r * d + c] * mi, 0));
  }

  /** Covariance of q in x-coordinates, d x d row-major: O diag(Var mu_i) O^T. */
  get covariance(): Float64Array {
    const d = this.dim;
    const v = this.marginals.map((g) => portable.histVariance(g.mass, 0, g.mass.length, g.edges, 0));
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
