// The result of a full-rank Gaussian fit: q = N(m, L L^T) itself (not a product of histograms,
// which cannot hold a correlated Gaussian), with exact draws and density.
import { FitReport, type FitReportParts } from "./core/result.js";
import * as P from "./generated/portable/index.js";
import { integer, knownKeys, options, seedOption } from "./validate.js";

const HALF_LOG_2PI = 0.91893853320467274178;

/** @internal What gaussianVi hands over. */
export interface GaussianApproximationParts extends FitReportParts {
  dim: number;
  /** (m, omega = log diag L, L below the diagonal row by row): assembly/advi.ts's theta. */
  theta: Float64Array;
}

/**
 * A fitted Gaussian q = N(mean, L L^T), L lower triangular with a positive diagonal. Its `kl`
 * is E_q[log q - log pi] estimated from draws of q on a design fixed by the fit's seed (see
 * gaussianVi).
 */
export class GaussianApproximation extends FitReport {
  readonly dim: number;
  private readonly theta: Float64Array;

  /** @internal Built by gaussianVi. */
  constructor(r: GaussianApproximationParts) {
    super(r);
    this.dim = r.dim;
    this.theta = r.theta;
  }

  get mean(): Float64Array {
    return this.theta.slice(0, this.dim);
  }

  /** L, d x d row-major, lower triangular with a positive diagonal: covariance = L L^T. */
  get cholesky(): Float64Array {
    const d = this.dim;
    const L = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) L[i * d + j] = this.theta[2 * d + (i * (i - 1)) / 2 + j];
      L[i * d + i] = P.exp(this.theta[d + i]);
    }
    return L;
  }

  /** L L^T, d x d row-major. */
  get covariance(): Float64Array {
    const d = this.dim;
    const L = this.cholesky;
    const out = new Float64Array(d * d);
    for (let r = 0; r < d; r++)
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let k = 0; k <= Math.min(r, c); k++) s += L[r * d + k] * L[c * d + k];
        out[r * d + c] = s;
      }
    return out;
  }

  /** n independent draws m + L eps, row-major n x d. Same seed, same bits. */
  sample(n: number, opts: { seed?: number } = {}): Float64Array {
    integer("n", n, 1, 1e8);
    const o = options("options", opts);
    knownKeys("options", o, ["seed"]);
    const s = seedOption("options.seed", o.seed ?? 0);
    return gaussianDraws(this.theta, this.dim, s, 0, n).x;
  }

  /** log q at n points (row-major n x d). */
  logDensity(points: Float64Array): Float64Array {
    const d = this.dim;
    if (!(points instanceof Float64Array)) throw new TypeError(`points must be a Float64Array; got ${typeof points}`);
    if (points.length === 0 || points.length % d !== 0) throw new RangeError(`points.length must be a positive multiple of ${d}; got ${points.length}`);
    const n = points.length / d;
    const L = this.cholesky;
    const c = logNormalizer(this.theta, d);
    const z = new Float64Array(d);
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // z = L^-1 (x - m) by forward substitution
      let q = 0;
      for (let i = 0; i < d; i++) {
        let v = points[k * d + i] - this.theta[i];
        for (let j = 0; j < i; j++) v -= L[i * d + j] * z[j];
        z[i] = v / L[i * d + i];
        q += z[i] * z[i];
      }
      out[k] = -0.5 * q - c;
    }
    return out;
  }
}

/** log det L + d/2 log 2 pi: log q(x) = -|L^-1 (x - m)|^2 / 2 - this. */
function logNormalizer(theta: Float64Array, d: number): number {
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += theta[d + i];
  return logDet + d * HALF_LOG_2PI;
}

/**
 * n draws x = m + L eps of the full-rank q with parameters theta, eps from stream `stream` of
 * the seed's generators, with each draw's log q(x) = -|eps|^2 / 2 - log det L - d/2 log 2 pi.
 * Computed on the host by the portable kernels (the same bits as either backend).
 */
export function gaussianDraws(theta: Float64Array, d: number, seed: { lo: number; hi: number }, stream: number, n: number): { x: Float64Array; logq: Float64Array } {
  const rng = new Int32Array(4 * (stream + 1));
  P.seedStreams(rng, seed.lo, seed.hi, stream + 1);
  const eps = new Float64Array(n * d);
  P.fillNormal(rng, 4 * stream, eps, 0, n * d);
  const x = new Float64Array(n * d);
  P.gaussianPoints(theta, 0, d, 1, eps, 0, n, x);
  const c = logNormalizer(theta, d);
  const logq = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let q = 0;
    for (let i = 0; i < d; i++) q += eps[k * d + i] * eps[k * d + i];
    logq[k] = -0.5 * q - c;
  }
  return { x, logq };
}
