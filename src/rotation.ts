// RoVI's rotation: the Procrustes step on draws from the factors, and the starting rotations
// (Haar-random, a mixture's principal axes, the principal axes of draws).
import { BufferSet, getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import type { Engine } from "./cavi.js";
import { backendOption } from "./core/options.js";
import * as P from "./generated/portable/index.js";
import { MAX_SVD_ORDER, powerOfTwoScale, svdOf } from "./linalg.js";
import { drawMoments, type RoviConfig } from "./rovi-options.js";
import type { GaussianMixture } from "./targets.js";
import { integer, knownKeys, options, typeError } from "./validate.js";

/** Jacobi sweeps allowed to a polar factor (it converges quadratically, in about 10). */
const POLAR_SWEEPS = 60;

/**
 * Most numbers (n d) of a step's draws whose uniforms are kept between steps (16 MiB: the
 * default rotationSamples up to d = 128); larger steps draw them again, to the same bits, and
 * their n d^2 products dwarf the drawing anyway.
 */
const KEPT_UNIFORMS = 1 << 21;

/** The rotation step's buffers and state for one fit. */
export class Rotator {
  private c = 0;
  /** Whether the last step was accepted at its first c (then the next one tries c / sqrt 2). */
  private grow = true;
  /** Why the last step failed (a non-finite objective, gradient or polar factor), or null. */
  failure: string | null = null;
  readonly o: Buffer<Float64Array>;
  private readonly g: Buffer<Float64Array>;
  private readonly m: Buffer<Float64Array>;
  private readonly candidate: Buffer<Float64Array>;
  private readonly s: Buffer<Float64Array>;
  private readonly v: Buffer<Float64Array>;
  private readonly work: Buffer<Float64Array>;
  /** The draws' generator, reset to `seedState` before every step (common random numbers). */
  private readonly rng: Buffer<Int32Array>;
  private readonly seedState: Int32Array;
  /** Draws per step that the kept uniforms (scratch "rotU") are for, 0 while none are. */
  private keptFor = 0;
  private readonly bufs: BufferSet;

  constructor(
    private engine: Engine,
    private readonly cfg: RoviConfig,
  ) {
    // its own buffers: the rotator outlives the tempered stages' engine (see rebind)
    const b = (this.bufs = new BufferSet(engine.backend));
    const d = engine.d;
    this.o = b.f64(d * d);
    this.g = b.f64(d * d);
    this.m = b.f64(d * d);
    this.candidate = b.f64(d * d);
    this.s = b.f64(d);
    this.v = b.f64(d * d);
    this.work = b.f64(P.polarWorkLength(d));
    this.rng = b.i32(4);
    engine.backend.kernels.seedStreams(this.rng.handle, engine.config.seed.lo ^ 0x6a09e667, engine.config.seed.hi, 1);
    this.seedState = this.rng.view.slice();
  }

  /** Steps on `engine`'s factors from now on (the final stage's, on finer grids), with the same O. */
  rebind(engine: Engine): void {
    this.engine = engine;
    engine.setRotation(this.o.view.slice());
  }

  /** Frees the rotator's buffers. */
  dispose(): void {
    this.bufs.free();
  }

  /** Sets O (and the engine's copy). */
  set(rotation: Float64Array): void {
    this.o.view.set(rotation);
    this.engine.setRotation(rotation);
  }

  /** The polar factor of m into out, or why it failed (m not finite, Jacobi not converged). */
  polar(m: Buffer<Float64Array>, out: Buffer<Float64Array>): string | null {
    const sweeps = this.engine.backend.kernels.polarFactor(m.handle, this.engine.d, out.handle, this.s.handle, this.v.handle, this.work.handle, POLAR_SWEEPS);
    if (sweeps === 0) return "the rotation step's matrix cO - G was not finite (a non-finite or huge gradient of log pi)";
    if (sweeps < 0) return `the polar factor's Jacobi SVD did not converge in ${POLAR_SWEEPS} sweeps`;
    return null;
  }

  /**
   * One Procrustes step on n draws from the current factors. The draws come from the same
   * uniforms every step (common random numbers), so the steps are a deterministic map of the
   * factors that settles instead of wandering with sampling noise. `fresh`: the factors have
   * changed since the last step, so the draws y are made anew; otherwise the last step's
   * draws y and their images x = O y (left by its accepted candidate) serve again. Returns
   * how far O moved (Frobenius; 0 when no step lowered the sample objective or options.signal
   * aborted), or NaN with
   * `failure` set when the objective, gradient or polar factor is not finite.
   */
  step(fresh: boolean, n: number): number {
    const { engine } = this;
    const k = engine.backend.kernels;
    const d = engine.d;
    const y = this.bufs.scratch("rotY", n * d);
    const x = this.bufs.scratch("rotX", n * d);
    const logp = this.bufs.scratch("rotLogp", n);
    const grad = this.bufs.scratch("rotGrad", n * d);
    this.failure = null;
    const { signal } = engine.config;
    if (signal?.aborted) return 0;
    if (fresh) {
      // the same uniforms every step: drawn once per n (when they fit KEPT_UNIFORMS)
      const keep = n * d <= KEPT_UNIFORMS;
      const u = keep ? this.bufs.scratch("rotU", n * d) : x;
      if (!keep || this.keptFor !== n) {
        this.rng.view.set(this.seedState);
        k.mfviUniforms(d, this.rng.handle, n, 1, u.handle);
        this.keptFor = keep ? n : 0;
      }
      k.mfviSampleAt(engine.view.buffer.handle, u.handle, n, y.handle, x.handle);
    }
    // not fresh: logp holds log pi(x) from the last step's accepted candidate
    engine.evaluator.valueAndGradient(x, n, logp, grad, !fresh);
    const f = k.roviGradient(y.handle, grad.handle, logp.handle, n, d, this.g.handle);
    const gNorm = Math.sqrt(this.g.view.reduce((s, v) => s + v * v, 0));
    if (!Number.isFinite(f) || !Number.isFinite(gNorm)) return this.fail(`the rotation step's ${Number.isFinite(f) ? "gradient" : "objective E[V]"} is not finite on draws from the factors`);
    // c starts at the last accepted value, divided by sqrt 2 if that was accepted at once (so
    // steps can grow again: halving it, a third of all candidates overshot and were rejected);
    // it restarts from |G|_F when rejected steps have driven it out of range
    const scale = Math.max(gNorm, 1e-300);
    this.c = this.c > 0 && this.c < 1e12 * scale ? (this.grow ? this.c / Math.SQRT2 : this.c) : scale;
    for (let attempt = 0; attempt <= this.cfg.maxBacktracks; attempt++, this.c *= 2) {
      this.grow = attempt === 0;
      if (signal?.aborted) return 0; // O unchanged: the fit stops at its next step
      k.procrustesTarget(this.o.handle, this.g.handle, this.c, d, this.m.handle);
      const failed = this.polar(this.m, this.candidate);
      if (failed) return this.fail(failed);
      k.applyRotation(this.candidate.handle, d, y.handle, n, x.handle);
      engine.evaluator.logDensity(x, n, logp);
      const fNew = k.meanPotential(logp.handle, n);
      if (fNew <= f) {
        const moved = k.frobeniusDistance(this.candidate.handle, this.o.handle, d);
        this.set(this.candidate.view.slice());
        return moved;
      }
    }
    return 0;
  }

  private fail(why: string): number {
    this.failure = why;
    return NaN;
  }
}

/** A Haar-random orthogonal matrix: the polar factor of a Gaussian matrix (invariant under rotations). */
export function haar(engine: Engine, rotator: Rotator): Float64Array {
  const d = engine.d;
  const g = engine.bufs.scratch("haar", d * d);
  const out = engine.bufs.scratch("haarOut", d * d);
  engine.backend.kernels.fillNormal(engine.rng.handle, 0, g.handle, 0, d * d);
  rotator.polar(g, out);
  return out.view.slice(0, d * d);
}

/** Principal axes of a Gaussian mixture: the eigenvectors of its covariance, as columns. */
export function mixtureAxes(target: GaussianMixture, backend: Backend): Float64Array {
  const d = target.dim;
  const mean = new Float64Array(d);
  for (const c of target.components) for (let i = 0; i < d; i++) mean[i] += c.weight * c.mean[i];
  const cov = new Float64Array(d * d);
  for (const c of target.components)
    for (let r = 0; r < d; r++)
      for (let s = 0; s < d; s++) cov[r * d + s] += c.weight * (c.covariance[r * d + s] + (c.mean[r] - mean[r]) * (c.mean[s] - mean[s]));
  return symmetricEigen(backend, cov, d).vectors;
}

/**
 * Eigenvectors (columns, by decreasing eigenvalue) and eigenvalues of a symmetric PSD matrix:
 * U and S of its SVD.
 */
export function symmetricEigen(backend: Backend, matrix: Float64Array, d: number): { vectors: Float64Array; values: Float64Array } {
  const { U, S } = svdOf(backend, matrix, d, d);
  return { vectors: U, values: S };
}

/**
 * The principal axes of draws (n x d row-major): the eigenvectors of their covariance as the
 * columns of an orthogonal d x d matrix, by decreasing variance. A starting rotation for
 * rovi() from exploratory draws (e.g. from lmc()).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // draws spread along the diagonal: the first axis is +-(1, 1) / sqrt 2
 * const z = normalDraws(2000, { seed: 1 });
 * const draws = Float64Array.from({ length: 2000 }, (_, k) => (k % 2 === 0 ? 3 * z[k] : 3 * z[k - 1] + 0.1 * z[k]));
 * const O = await principalAxes(draws, 2);
 * assert.ok(Math.abs(Math.abs(O[0]) - Math.SQRT1_2) < 0.01);
 * ```
 */
export async function principalAxes(samples: Float64Array, dim: number, opts?: { backend?: BackendName }): Promise<Float64Array> {
  if (!(samples instanceof Float64Array)) throw typeError("samples", "a Float64Array (row-major draws)", samples);
  const d = integer("dim", dim, 1, MAX_SVD_ORDER);
  const o = options("options", opts);
  knownKeys("options", o, ["backend"]);
  const backend = await getBackend(backendOption("options.backend", o.backend));
  // scaled by a power of two (exactly) so that the covariance neither overflows nor underflows
  const scale = samples.every(Number.isFinite) ? powerOfTwoScale(samples) : 1;
  const { cov } = drawMoments("samples", scale === 1 ? samples : samples.map((v) => v / scale), d);
  return symmetricEigen(backend, cov, d).vectors;
}
