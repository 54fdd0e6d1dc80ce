// Targets: densities on R^d known up to a constant, pi(x) = exp(-V(x)) / Z. Built-in ones are
// data (a descriptor the kernels read); custom ones call the user's functions once per batch.
import { BufferSet, backendNow, type Backend, type BackendName, type Buffer, type Handle } from "./backend.js";
import * as portable from "./generated/portable/index.js";
import { Described, backendOption, finite, points as checkPoints, integer, knownKeys, matrix, options, rangeError, typeError, vector } from "./validate.js";

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

  logDensity(x: ArrayLike<number>): number {
    const out = new Float64Array(1);
    this.evalLogDensity(point("x", x, this.dim), 1, out);
    return out[0];
  }
  logDensityBatch(points: Float64Array, out?: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim);
    const result = checkOut("out", out, n);
    this.evalLogDensity(points, n, result);
    return result;
  }
  gradLogDensity(x: ArrayLike<number>, out?: Float64Array): Float64Array {
    const result = checkOut("out", out, this.dim);
    this.evalGrad(point("x", x, this.dim), 1, new Float64Array(1), result);
    return result;
  }
  gradLogDensityBatch(points: Float64Array, out?: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim);
    const result = checkOut("out", out, n * this.dim);
    this.evalGrad(points, n, new Float64Array(n), result);
    return result;
  }
  /** Frees the WASM memory the target holds between calls now, not at garbage collection (none for custom targets). */
  dispose(): void {}
}

/** Buffers a target keeps in one backend's memory (its descriptor, short scratch), freed by dispose(). */
export class Workspace {
  private readonly buffers = new Map<string, Buffer<Float64Array>>();
  constructor(readonly backend: Backend) {}
  get(key: string, length: number): Buffer<Float64Array> {
    let b = this.buffers.get(key);
    if (b === undefined || b.length < length) {
      if (b !== undefined) this.backend.free(b);
      b = this.backend.f64(Math.max(length, 1));
      this.buffers.set(key, b);
    }
    return b;
  }
  dispose(): void {
    for (const b of this.buffers.values()) this.backend.free(b);
    this.buffers.clear();
  }
}

const workspaces = new FinalizationRegistry<Workspace>((w) => w.dispose());

/** Longest scratch buffer (f64) a target keeps between calls; longer ones are freed on return. */
const KEEP = 4096;

/**
 * One kernel call's buffers: inputs copied in, outputs copied back by finish() (the JS backend
 * takes the arrays themselves). Short ones are the target's, reused by the next call (a call
 * on one point costs no allocation); long ones are freed when the call returns.
 */
class CallBuffers {
  private readonly set: BufferSet;
  private readonly outputs: [Buffer<Float64Array>, Float64Array][] = [];
  private readonly js: boolean;
  private count = 0;
  constructor(private readonly space: Workspace) {
    this.set = new BufferSet(space.backend);
    this.js = space.backend.name === "js";
  }
  in(data: Float64Array): Handle {
    if (this.js) return data;
    const b = this.buffer(data.length);
    b.view.set(data);
    return b.handle;
  }
  out(data: Float64Array): Handle {
    if (this.js) return data;
    const b = this.buffer(data.length);
    this.outputs.push([b, data]);
    return b.handle;
  }
  work(length: number): Handle {
    return this.buffer(length).handle;
  }
  finish(): void {
    for (const [b, data] of this.outputs) data.set(b.view.subarray(0, data.length));
  }
  free(): void {
    this.set.free();
  }
  private buffer(length: number): Buffer<Float64Array> {
    return length <= KEEP ? this.space.get(`scratch${this.count++}`, length) : this.set.f64(length);
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
  private readonly spaces = new Map<Backend, Workspace>();

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

  get weights(): Float64Array {
    return Float64Array.from(this.components, (c) => c.weight);
  }

  /** @internal This target's buffers in `backend`'s memory, the descriptor copied in once. */
  workspace(backend: Backend): Workspace {
    let w = this.spaces.get(backend);
    if (w === undefined) {
      w = new Workspace(backend);
      w.get("descriptor", this.descriptor.length).view.set(this.descriptor);
      this.spaces.set(backend, w);
      workspaces.register(this, w, w);
    }
    return w;
  }

  /**
   * Frees the descriptor and short scratch buffers the target keeps in WASM memory now,
   * rather than when the target is garbage-collected. Optional; the target stays usable (a later call copies
   * the descriptor in again). Not while a fit on this target is running.
   */
  override dispose(): void {
    for (const w of this.spaces.values()) {
      workspaces.unregister(w);
      w.dispose();
    }
    this.spaces.clear();
  }

  /** Runs one kernel call on the current backend with buffers freed when it returns. */
  private call(body: (k: Backend["kernels"], descriptor: Handle, io: CallBuffers) => void): void {
    const backend = backendNow(this.backendName);
    const space = this.workspace(backend);
    const descriptor = space.get("descriptor", 0).handle;
    const io = new CallBuffers(space);
    try {
      body(backend.kernels, descriptor, io);
      io.finish();
    } finally {
      io.free();
    }
  }

  protected evalLogDensity(points: Float64Array, n: number, out: Float64Array): void {
    const K = this.components.length;
    this.call((k, t, io) => k.mixtureLogDensity(t, io.in(points), n, io.out(out), io.work(K + this.dim)));
  }

  protected evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void {
    const K = this.components.length;
    this.call((k, t, io) => k.mixtureGradLogDensity(t, io.in(points), n, io.out(logp), io.out(grad), io.work(K + K * this.dim)));
  }

  /** r_k(x_j) = w_k p_k(x_j) / pi(x_j), row-major n x K. */
  responsibilities(points: Float64Array): Float64Array {
    const n = checkPoints("points", points, this.dim);
    const K = this.components.length;
    const resp = new Float64Array(n * K);
    this.call((k, t, io) => k.mixtureResponsibilities(t, io.in(points), n, io.out(resp), io.work(K + this.dim)));
    return resp;
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

/** sum_k w_k N(m_k, S_k). */
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
  return new GaussianMixture(components, covs.every((c) => c.diagonal), backendOption("backend", o.backend), "covariances");
}

export interface GaussianSpec {
  mean: readonly number[] | Float64Array;
  /** A d x d matrix, d variances or one variance. */
  covariance: Covariance;
  backend?: BackendName;
}

/** N(m, S): a one-component mixture. */
export function gaussian(spec: GaussianSpec): GaussianMixture {
  const o = options("gaussian(spec)", spec);
  knownKeys("spec", o, ["mean", "covariance", "backend"]);
  const mean = vector("mean", o.mean);
  const c = covariance("covariance", o.covariance, mean.length);
  return new GaussianMixture([{ weight: 1, mean, covariance: c.matrix }], c.diagonal, backendOption("backend", o.backend), "covariance");
}

/** A user density: called with a whole batch of points, never once per point. */
export interface CustomTargetSpec {
  dim: number;
  /** Fills out[j] = log pi(x_j) for the n = out.length points in `points` (row-major). */
  logDensity: (points: Float64Array, out: Float64Array) => void;
  /** Fills grad (n x dim, row-major) with grad log pi at the points. Needed by RoVI and LMC. */
  gradLogDensity?: (points: Float64Array, grad: Float64Array) => void;
  /** Set true only if the density is normalised (log Z = 0); default false. */
  normalized?: boolean;
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
    this.hasGradient = spec.gradLogDensity !== undefined;
  }
  protected evalLogDensity(points: Float64Array, n: number, out: Float64Array): void {
    this.spec.logDensity(points, n === out.length ? out : out.subarray(0, n));
  }
  protected evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void {
    if (!this.spec.gradLogDensity) throw new TypeError("this customTarget has no gradLogDensity; give one to use gradients");
    this.spec.gradLogDensity(points, grad);
    this.spec.logDensity(points, logp);
  }
}

export function customTarget(spec: CustomTargetSpec): CustomTarget {
  const o = options("customTarget(spec)", spec);
  knownKeys("spec", o, ["dim", "logDensity", "gradLogDensity", "normalized"]);
  integer("dim", o.dim, 1, 100_000);
  if (typeof o.logDensity !== "function") throw typeError("logDensity", "a function (points, out) => void", o.logDensity);
  if (o.gradLogDensity !== undefined && typeof o.gradLogDensity !== "function")
    throw typeError("gradLogDensity", "a function (points, grad) => void", o.gradLogDensity);
  if (o.normalized !== undefined && typeof o.normalized !== "boolean") throw typeError("normalized", "a boolean", o.normalized);
  return new CustomTarget(spec);
}

export function isTarget(value: unknown): value is Target {
  return value instanceof TargetBase;
}
