// Targets: densities on R^d known up to a constant, pi(x) = exp(-V(x)) / Z. Built-in ones are
// data (a descriptor the kernels read); custom ones call the user's functions once per batch.
import { backendNow, copyOut, type Buffer, type BackendName, type BufferSet } from "./backend.js";
import { withEvaluator, type Evaluator } from "./core/evaluator.js";
import * as portable from "./generated/portable/index.js";
import { Described, finite, integer, knownKeys, matrix, notFinite, oneOf, options, points as checkPoints, rangeError, typeError, vector } from "./validate.js";

/** A density known up to a constant. Points are row-major: n points of `dim` coordinates. */
export interface Target {
  readonly dim: number;
  /** True when log Z = 0 is known, so a fit's reported KL is the true KL (not KL - log Z). */
  readonly normalized: boolean;
  /** log pi(x) for one point. */
  logDensity(x: ArrayLike<number>): number;
  /** log pi at n points (points.length = n dim), into `out` (length n) if given. */
  logDensityBatch(points: Float64Array, out?: Float64Array): Float64Array;
  /** grad log pi(x) for one point, into `out` (length dim) if given. */
  gradLogDensity(x: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** grad log pi at n points, row-major into `out` (length n dim) if given. */
  gradLogDensityBatch(points: Float64Array, out?: Float64Array): Float64Array;
}

/** A covariance: a d x d matrix (nested arrays or row-major), d variances, or one variance. */
export type Covariance = number | readonly number[] | readonly (readonly number[])[] | Float64Array;

export interface MixtureComponent {
  readonly weight: number;
  readonly mean: Float64Array;
  /** d x d, row-major. */
  readonly covariance: Float64Array;
}

const KIND_FULL = portable.KIND_FULL;
const KIND_DIAG = portable.KIND_DIAG;
const BACKENDS = ["wasm", "js"] as const;

function checkOut(name: string, out: unknown, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (!(out instanceof Float64Array)) throw typeError(name, "a Float64Array", out);
  if (out.length !== length) throw rangeError(`${name}.length`, `${length}`, out.length);
  return out;
}

function point(name: string, x: unknown, dim: number): Float64Array {
  return vector(name, x, dim);
}

/** Shared single-point and batch plumbing for every target kind. */
abstract class TargetBase implements Target {
  abstract readonly dim: number;
  abstract readonly normalized: boolean;
  protected abstract evalLogDensity(points: Float64Array, n: number, out: Float64Array): void;
  protected abstract evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void;
  /** Whether the batch methods check a batch's entries themselves (in the kernel, on their copy). */
  protected readonly checksFinite: boolean = false;

  logDensity(x: ArrayLike<number>): number {
    const out = new Float64Array(1);
    this.evalLogDensity(point("x", x, this.dim), 1, out);
    return out[0];
  }
  logDensityBatch(points: Float64Array, out?: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim, !this.checksFinite);
    const result = checkOut("out", out, n);
    this.evalLogDensity(points, n, result);
    return result;
  }
  gradLogDensity(x: ArrayLike<number>, out?: Float64Array): Float64Array {
    const result = checkOut("out", out, this.dim);
    this.evalGrad(point("x", x, this.dim), 1, new Float64Array(1), result);
    return result;
  }
  /**
   * Releases the target's kernel memory. Targets keep none between calls (each call frees the
   * buffers it used when it returns), so this does nothing; the target stays usable.
   */
  dispose(): void {}
  gradLogDensityBatch(points: Float64Array, out?: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim, !this.checksFinite);
    const result = checkOut("out", out, n * this.dim);
    this.evalGrad(points, n, new Float64Array(n), result);
    return result;
  }
}

/**
 * A Gaussian mixture sum_k w_k N(m_k, S_k), evaluated by the kernels. The Cholesky factors
 * are computed once, at construction.
 */
export class GaussianMixture extends TargetBase {
  readonly dim: number;
  readonly normalized = true;
  readonly components: readonly MixtureComponent[];
  /** The kernels' descriptor (see assembly/targets.ts). */
  readonly descriptor: Float64Array;
  private readonly backendName: BackendName | undefined;

  /** @internal Use gaussianMixture() or gaussian(). */
  constructor(components: MixtureComponent[], diagonal: boolean, backendName: BackendName | undefined, what: string) {
    super();
    const K = components.length;
    const d = components[0].mean.length;
    this.dim = d;
    this.components = components;
    this.backendName = backendName;
    const kind = diagonal ? KIND_DIAG : KIND_FULL;
    const t = new Float64Array(portable.mixtureLength(kind, d, K));
    t[0] = kind;
    t[1] = d;
    t[2] = K;
    const means = portable.offMeans(t);
    const factors = portable.offFactors(t);
    components.forEach((c, k) => {
      t[portable.HEADER + k] = portable.log(c.weight); // our log, not Math.log: the same bits in every engine
      t.set(c.mean, means + k * d);
      if (diagonal) for (let i = 0; i < d; i++) t[factors + k * d + i] = c.covariance[i * d + i];
      else t.set(c.covariance, factors + k * d * d);
    });
    const bad = portable.mixtureSetup(t);
    if (bad >= 0)
      throw rangeError(components.length > 1 ? `${what}[${bad}]` : what, "symmetric positive definite", new Described("a matrix whose Cholesky factorisation fails"));
    this.descriptor = t;
  }

  /** The n points in a kernel buffer, checked there (a SIMD pass, not one in JavaScript before the copy). */
  private copyIn(e: Evaluator, bufs: BufferSet, points: Float64Array, n: number): Buffer<Float64Array> {
    const x = bufs.f64Unfilled(n * this.dim);
    x.view.set(points.subarray(0, n * this.dim));
    if (!e.backend.kernels.allFinite(x.handle, 0, n * this.dim)) throw notFinite("points", points);
    return x;
  }

  get weights(): Float64Array {
    return Float64Array.from(this.components, (c) => c.weight);
  }

  protected override readonly checksFinite = true;

  protected evalLogDensity(points: Float64Array, n: number, out: Float64Array): void {
    withEvaluator(backendNow(this.backendName), this, (e, bufs) => {
      const x = this.copyIn(e, bufs, points, n);
      const lp = bufs.f64Unfilled(n);
      e.logDensity(x, n, lp);
      out.set(lp.view.subarray(0, n));
    });
  }

  protected evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void {
    withEvaluator(backendNow(this.backendName), this, (e, bufs) => {
      const x = this.copyIn(e, bufs, points, n);
      const lp = bufs.f64Unfilled(n);
      const g = bufs.f64Unfilled(n * this.dim);
      e.valueAndGradient(x, n, lp, g);
      logp.set(lp.view.subarray(0, n));
      grad.set(g.view.subarray(0, n * this.dim));
    });
  }

  /** r_k(x_j) = w_k p_k(x_j) / pi(x_j), row-major n x K. */
  responsibilities(points: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim, !this.checksFinite);
    const K = this.components.length;
    return withEvaluator(backendNow(this.backendName), this, (e, bufs) => {
      const x = this.copyIn(e, bufs, points, n);
      const r = bufs.f64Unfilled(n * K);
      const work = bufs.f64(K + this.dim);
      e.backend.kernels.mixtureResponsibilities(e.descriptor, x.handle, n, r.handle, work.handle);
      return copyOut(r);
    });
  }
}

/** Parses one covariance spec into a d x d row-major matrix; `diagonal` tells its form. */
function covariance(name: string, value: unknown, d: number): { matrix: Float64Array; diagonal: boolean } {
  const m = new Float64Array(d * d);
  if (typeof value === "number") {
    if (!(finite(name, value) > 0)) throw rangeError(name, "a positive variance", value);
    for (let i = 0; i < d; i++) m[i * d + i] = value;
    return { matrix: m, diagonal: true };
  }
  const nested = Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
  const flat = (Array.isArray(value) || value instanceof Float64Array) && !nested;
  if (flat && (value as ArrayLike<number>).length === d && d > 1) {
    const v = vector(name, value, d);
    v.forEach((x, i) => {
      if (!(x > 0)) throw rangeError(`${name}[${i}]`, "a positive variance", x);
      m[i * d + i] = x;
    });
    return { matrix: m, diagonal: true };
  }
  if (!nested && !flat) throw typeError(name, "a number, d variances or a d x d matrix", value);
  if (flat && (value as ArrayLike<number>).length !== d * d)
    throw rangeError(`${name}.length`, `${d} (variances) or ${d * d} (a ${d} x ${d} matrix)`, (value as ArrayLike<number>).length);
  const { data } = matrix(name, value, { rows: d, cols: d });
  for (let i = 0; i < d; i++) {
    if (!(data[i * d + i] > 0)) throw rangeError(`${name}[${i}][${i}]`, "positive (a variance)", data[i * d + i]);
    for (let j = 0; j < i; j++) {
      const a = data[i * d + j];
      const b = data[j * d + i];
      if (Math.abs(a - b) > 1e-12 * Math.sqrt(data[i * d + i] * data[j * d + j]))
        throw rangeError(name, "symmetric (within 1e-12 relative)", new Described(`[${i}][${j}] = ${a} but [${j}][${i}] = ${b}`));
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) data[j * d + i] = data[i * d + j];
  let diagonal = true;
  for (let i = 0; i < d * d && diagonal; i++) if (i % (d + 1) !== 0 && data[i] !== 0) diagonal = false;
  return { matrix: data, diagonal };
}

function backendOption(value: unknown): BackendName | undefined {
  return value === undefined ? undefined : oneOf("backend", value, BACKENDS);
}

export interface GaussianMixtureSpec {
  /** Positive, summing to 1 within 1e-9. */
  weights: readonly number[] | Float64Array;
  /** K means: nested arrays, or K x d row-major. */
  means: readonly (readonly number[])[] | Float64Array;
  /** K covariances: each a d x d matrix, d variances (diagonal) or one variance (isotropic). */
  covariances: readonly Covariance[];
  /** Backend for evaluation; default: WASM once loaded (see ready()), JS until then. */
  backend?: BackendName;
}

/**
 * sum_k w_k N(m_k, S_k).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * // halfway between the means each component is equally responsible
 * const [r0, r1] = t.responsibilities(Float64Array.of(0, 0));
 * assert.ok(r0 === r1 && Math.abs(r0 - 0.5) < 1e-15);
 * ```
 */
export function gaussianMixture(spec: GaussianMixtureSpec): GaussianMixture {
  const o = options("gaussianMixture(spec)", spec);
  knownKeys("spec", o, ["weights", "means", "covariances", "backend"]);
  const weights = vector("weights", o.weights);
  const K = weights.length;
  let sum = 0;
  weights.forEach((w, k) => {
    if (!(w > 0)) throw rangeError(`weights[${k}]`, "positive", w);
    sum += w;
  });
  if (Math.abs(sum - 1) > 1e-9) throw rangeError("weights", "summing to 1 (within 1e-9)", new Described(`a sum of ${sum}`));
  if (o.means instanceof Float64Array && o.means.length % K !== 0)
    throw rangeError("means.length", `a multiple of the number of weights (${K})`, o.means.length);
  const means = matrix("means", o.means, o.means instanceof Float64Array ? { rows: K } : {});
  if (means.rows !== K) throw rangeError("means", `${K} rows, one per weight`, o.means);
  const d = means.cols;
  if (!Array.isArray(o.covariances)) throw typeError("covariances", "an array with one covariance per component", o.covariances);
  if (o.covariances.length !== K) throw rangeError("covariances", `${K} entries, one per weight`, o.covariances);
  const covs = o.covariances.map((c, k) => covariance(`covariances[${k}]`, c, d));
  const components = covs.map((c, k) => ({
    weight: weights[k],
    mean: means.data.slice(k * d, (k + 1) * d),
    covariance: c.matrix,
  }));
  return new GaussianMixture(components, covs.every((c) => c.diagonal), backendOption(o.backend), "covariances");
}

export interface GaussianSpec {
  mean: readonly number[] | Float64Array;
  /** A d x d matrix, d variances or one variance. */
  covariance: Covariance;
  backend?: BackendName;
}

/**
 * N(m, S): a one-component mixture.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussian({ mean: [1, 2], covariance: [[2, 0.5], [0.5, 1]] });
 * // at the mean, log N = -log(2 pi) - log(det S) / 2 with det S = 1.75
 * assert.ok(Math.abs(t.logDensity([1, 2]) - (-Math.log(2 * Math.PI) - Math.log(1.75) / 2)) < 1e-12);
 * ```
 */
export function gaussian(spec: GaussianSpec): GaussianMixture {
  const o = options("gaussian(spec)", spec);
  knownKeys("spec", o, ["mean", "covariance", "backend"]);
  const mean = vector("mean", o.mean);
  const c = covariance("covariance", o.covariance, mean.length);
  return new GaussianMixture([{ weight: 1, mean, covariance: c.matrix }], c.diagonal, backendOption(o.backend), "covariance");
}

/** A user density: called with a whole batch of points, never once per point. */
export interface CustomTargetSpec {
  dim: number;
  /** Fills out[j] = log pi(x_j) for the n = out.length points in `points` (row-major). Synchronous. */
  logDensity: (points: Float64Array, out: Float64Array) => void;
  /** Fills grad (n x dim, row-major) with grad log pi at the points. Needed by RoVI, LMC and gaussianMfvi. Synchronous. */
  gradLogDensity?: (points: Float64Array, grad: Float64Array) => void;
  /**
   * Fills both at once, when that is cheaper than two calls (they share most of the work);
   * used instead of gradLogDensity + logDensity wherever both are needed. Synchronous.
   */
  logDensityAndGradient?: (points: Float64Array, out: Float64Array, grad: Float64Array) => void;
  /** Set true only if the density is normalised (log Z = 0); default false. */
  normalized?: boolean;
}

/** A callback's return value: rovi calls them synchronously, so a promise is a mistake. */
function synchronous(name: string, value: unknown): void {
  if (value !== undefined && typeof (value as PromiseLike<unknown> | null)?.then === "function")
    throw typeError(`customTarget's ${name}`, "a synchronous function that fills its output array (it returned a promise)", new Described("a promise"));
}

export class CustomTarget extends TargetBase {
  readonly dim: number;
  readonly normalized: boolean;
  readonly hasGradient: boolean;
  private readonly spec: CustomTargetSpec;
  /** @internal Use customTarget(). */
  constructor(spec: CustomTargetSpec) {
    super();
    this.spec = spec;
    this.dim = spec.dim;
    this.normalized = spec.normalized ?? false;
    this.hasGradient = spec.gradLogDensity !== undefined || spec.logDensityAndGradient !== undefined;
  }

  /**
   * @internal The user's functions on one batch: log pi into logp and, when grad is given,
   * grad log pi into grad (by logDensityAndGradient if there is one). Arrays have n rows. A
   * null logp (with grad, and no logDensityAndGradient): the gradient alone.
   */
  evaluate(points: Float64Array, logp: Float64Array | null, grad: Float64Array | null): void {
    const { logDensity, gradLogDensity, logDensityAndGradient } = this.spec;
    if (grad && logDensityAndGradient) return synchronous("logDensityAndGradient", logDensityAndGradient(points, logp!, grad));
    if (grad) {
      if (!gradLogDensity) throw new TypeError("this customTarget has no gradLogDensity; give one to use gradients");
      synchronous("gradLogDensity", gradLogDensity(points, grad));
    }
    if (logp) synchronous("logDensity", logDensity(points, logp));
  }

  /** @internal Whether one call (logDensityAndGradient) gives both log pi and its gradient. */
  get hasJointGradient(): boolean {
    return this.spec.logDensityAndGradient !== undefined;
  }

  protected evalLogDensity(points: Float64Array, n: number, out: Float64Array): void {
    this.evaluate(points, n === out.length ? out : out.subarray(0, n), null);
  }
  protected evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void {
    this.evaluate(points, logp, grad);
  }
}

/**
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // a standard normal in 2-D, normalised, so an MFVI fit's kl is its KL (log Z = 0)
 * const t = customTarget({
 *   dim: 2,
 *   logDensity: (points, out) => {
 *     for (let j = 0; j < out.length; j++) out[j] = -Math.log(2 * Math.PI) - (points[2 * j] ** 2 + points[2 * j + 1] ** 2) / 2;
 *   },
 * });
 * const q = await mfvi(t);
 * assert.ok(q.converged && Math.abs(q.kl) < 1e-3);
 * ```
 */
export function customTarget(spec: CustomTargetSpec): CustomTarget {
  const o = options("customTarget(spec)", spec);
  knownKeys("spec", o, ["dim", "logDensity", "gradLogDensity", "logDensityAndGradient", "normalized"]);
  integer("dim", o.dim, 1, 100_000);
  if (typeof o.logDensity !== "function") throw typeError("logDensity", "a function (points, out) => void", o.logDensity);
  if (o.gradLogDensity !== undefined && typeof o.gradLogDensity !== "function")
    throw typeError("gradLogDensity", "a function (points, grad) => void", o.gradLogDensity);
  if (o.logDensityAndGradient !== undefined && typeof o.logDensityAndGradient !== "function")
    throw typeError("logDensityAndGradient", "a function (points, out, grad) => void", o.logDensityAndGradient);
  if (o.normalized !== undefined && typeof o.normalized !== "boolean") throw typeError("normalized", "a boolean", o.normalized);
  return new CustomTarget(spec);
}

export function isTarget(value: unknown): value is Target {
  return value instanceof TargetBase;
}
