// The one way the facade evaluates a target into kernel buffers: an Evaluator per (backend,
// target) holds the mixture's descriptor in that backend's memory, or calls a custom target's
// functions once per batch through host copies of the points.
import { BufferSet, type Backend, type Buffer, type Handle } from "../backend.js";
import * as P from "../generated/portable/index.js";
import { CustomTarget, GaussianMixture, type Target } from "../targets.js";

export class Evaluator {
  /** The target when it is a built-in mixture (kernels then run it without the host). */
  readonly mixture: GaussianMixture | null;
  readonly dim: number;
  private readonly bufs: BufferSet;
  private readonly descriptorBuffer: Buffer<Float64Array> | null;
  /** A custom target's host arrays (made on first use: a mixture never needs them). */
  private store: { points: Float64Array; logp: Float64Array; grad: Float64Array } | null = null;

  constructor(
    readonly backend: Backend,
    readonly target: Target,
  ) {
    this.bufs = new BufferSet(backend);
    this.dim = target.dim;
    this.mixture = target instanceof GaussianMixture ? target : null;
    this.descriptorBuffer = null;
    if (this.mixture) {
      this.descriptorBuffer = this.bufs.f64(this.mixture.descriptor.length);
      this.descriptorBuffer.view.set(this.mixture.descriptor);
    }
  }

  /** The mixture's descriptor in this backend's memory, for kernels that take the target. */
  get descriptor(): Handle {
    if (!this.descriptorBuffer) throw new Error("rovi: internal: descriptor of a target that is not a mixture");
    return this.descriptorBuffer.handle;
  }

  /** Components of the mixture (0 for a custom target). */
  get components(): number {
    return this.mixture ? this.mixture.components.length : 0;
  }

  /** log pi at the n points of X, into out. One call of a custom target's logDensity. */
  logDensity(X: Buffer<Float64Array>, n: number, out: Buffer<Float64Array>): void {
    if (this.mixture) {
      // room for the kernel's blocked path: several points per pass over each Cholesky row
      const work = this.bufs.scratch("work", Math.max(this.components * (this.dim + 1), P.mixtureDensityWork(this.dim, this.components)));
      this.backend.kernels.mixtureLogDensity(this.descriptor, X.handle, n, out.handle, work.handle);
      return;
    }
    const h = this.hostCopy(X, n, false);
    (this.target as CustomTarget).evaluate(h.points, h.logp, null);
    out.view.set(h.logp);
  }

  /**
   * log pi and grad log pi at the n points of X. One call of a custom target's
   * logDensityAndGradient when it has one, else one each of gradLogDensity and logDensity
   * (gradLogDensity alone when `valueKnown`: logp holds log pi at X already).
   */
  valueAndGradient(X: Buffer<Float64Array>, n: number, logp: Buffer<Float64Array>, grad: Buffer<Float64Array>, valueKnown = false): void {
    if (this.mixture) {
      const work = this.bufs.scratch("work", P.mixtureGradWork(this.dim, this.components));
      this.backend.kernels.mixtureGradLogDensity(this.descriptor, X.handle, n, logp.handle, grad.handle, work.handle);
      return;
    }
    const h = this.hostCopy(X, n, true);
    const custom = this.target as CustomTarget;
    // logp already holds log pi at X: a gradLogDensity of its own needs no logDensity call
    const gradientOnly = valueKnown && !custom.hasJointGradient;
    custom.evaluate(h.points, gradientOnly ? null : h.logp, h.grad);
    if (!gradientOnly) logp.view.set(h.logp);
    grad.view.set(h.grad);
  }

  /**
   * The points copied to host arrays of exactly n rows (the user's code may grow WASM memory,
   * which detaches views), with outputs pre-filled with NaN so that entries the user's code
   * leaves unwritten are caught as NaN by the kernels instead of read as log pi = 0.
   */
  private hostCopy(X: Buffer<Float64Array>, n: number, gradient: boolean) {
    const d = this.dim;
    // storage grows to the largest batch; each call sees arrays of exactly n rows
    if (this.store === null || this.store.logp.length < n) this.store = { points: new Float64Array(n * d), logp: new Float64Array(n), grad: new Float64Array(0) };
    if (gradient && this.store.grad.length < n * d) this.store.grad = new Float64Array(n * d);
    const { points, logp, grad } = this.store;
    const host = { points: points.subarray(0, n * d), logp: logp.subarray(0, n), grad: grad.subarray(0, gradient ? n * d : 0) };
    host.points.set(X.view.subarray(0, n * d));
    host.logp.fill(NaN);
    if (gradient) host.grad.fill(NaN);
    return host;
  }

  dispose(): void {
    this.bufs.free();
  }
}

/** Runs f with an evaluator of target in backend, disposed of when f returns or throws. */
export function withEvaluator<T>(backend: Backend, target: Target, f: (e: Evaluator, bufs: BufferSet) => T): T {
  const e = new Evaluator(backend, target);
  const bufs = new BufferSet(backend);
  try {
    return f(e, bufs);
  } finally {
    bufs.free();
    e.dispose();
  }
}
