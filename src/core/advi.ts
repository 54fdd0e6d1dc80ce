// What the ADVI fits (gaussianMfvi: mean field, gaussianVi: full rank) share: their options and
// one stepper, Adam on the reparameterised ELBO in windows of ADVI_WINDOW iterations, stopped
// when the ELBO stalls and finished by Polyak-Ruppert averaging. A family supplies only the
// kernels' `full` flag and the result it builds from the parameters. Kernels: assembly/advi.ts.
import { BufferSet, type Backend, type Buffer } from "../backend.js";
import type { ProgressInfo } from "../cavi.js";
import * as P from "../generated/portable/index.js";
import type { Target } from "../targets.js";
import { finite, integer, knownKeys, MAX_VALUES, options, rangeError } from "../validate.js";
import { StepperBase, type Status } from "./driver.js";
import { Evaluator } from "./evaluator.js";
import { CONTROL_KEYS, controlOptions, factorStart, targetArgument, type ControlConfig } from "./options.js";
import { AdviView } from "./views.js";

/** The options of every ADVI fit. */
export interface AdviOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same bits. */
  backend?: "wasm" | "js";
  /** Seed of the gradient draws (integer in [0, 2^53)); default 0. */
  seed?: number;
  /** Most Adam steps; default 10000. */
  iterations?: number;
  /** Draws of eps per gradient estimate; default 10. */
  samplesPerStep?: number;
  /** Adam's step size; default 0.05 (beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, fixed). */
  learningRate?: number;
  /**
   * The ELBO has stalled when its mean estimate over a window of 100 iterations rises by less
   * than max(tol, twice the noise of that rise) over the previous window's, twice in a row
   * (default 0.01 nats), and the window's mean parameters moved by less than half of a
   * coordinate's scale (m and L's entries in units of s = diag L; log s by 0.5). Nats, not a
   * share of |ELBO| as in Stan's tol_rel_obj: a rise in nats means the same on every target,
   * where a relative test passes at once when |ELBO| is large. The fit then runs 1000 more
   * iterations, returns the average of the iterates over them and reports 'converged' (or
   * 'unreliable', see the fits).
   */
  tol?: number;
  /** Starting q: N(center_i, scale_i^2), independent (numbers apply to every coordinate); default center 0, scale 1. */
  init?: { center: number | readonly number[]; scale: number | readonly number[] };
  /** Called after every window of 100 iterations (sweep = iterations done); a returned promise is awaited. */
  onProgress?: (info: ProgressInfo) => unknown;
  /** Aborts the fit; the result then has status 'aborted'. */
  signal?: AbortSignal;
}

const KEYS = [...CONTROL_KEYS, "iterations", "samplesPerStep", "learningRate", "tol", "init"] as const;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
/** Iterations per window: the unit of convergence checks, progress and iterate averaging. */
export const ADVI_WINDOW = 100;
/** Windows in a row whose ELBO gain is below tol before the fit counts as stalled. */
const PATIENCE = 2;
/**
 * Most a window's mean parameters may move (m in units of s, and log s) for the fit to count
 * as stalled: a step size too large for a narrow factor leaves m jittering by many s while the
 * ELBO's noise hides that it is far from its optimum.
 */
const SETTLED_MOVE = 0.5;
/** Windows run after the stall and averaged into the result (1000 iterations). */
const AVERAGE_WINDOWS = 10;

export interface AdviConfig extends ControlConfig<ProgressInfo> {
  iterations: number;
  S: number;
  lr: number;
  tol: number;
  center: Float64Array;
  scale: Float64Array;
}

/** The shared options, checked; `o` is the options object, for the family's own (`extraKeys`). */
export function parseAdvi(target: unknown, opts: unknown, extraKeys: readonly string[]): { c: AdviConfig; o: Record<string, unknown> } {
  const d = targetArgument(target, "ADVI's reparameterised gradients").dim;
  const o = options("options", opts);
  knownKeys("options", o, [...KEYS, ...extraKeys]);
  const start = o.init === undefined ? { center: new Float64Array(d), scale: new Float64Array(d).fill(1) } : factorStart("options.init", o.init, d);
  const lr = o.learningRate === undefined ? 0.05 : finite("options.learningRate", o.learningRate);
  if (!(lr > 0)) throw rangeError("options.learningRate", "> 0", lr);
  const tol = o.tol === undefined ? 0.01 : finite("options.tol", o.tol);
  if (!(tol > 0)) throw rangeError("options.tol", "> 0", tol);
  const S = o.samplesPerStep === undefined ? 10 : integer("options.samplesPerStep", o.samplesPerStep, 1, 1_000_000);
  if (S * d > MAX_VALUES) throw rangeError("options.samplesPerStep", `at most ${Math.floor(MAX_VALUES / d)} in dimension ${d}`, S);
  const c = {
    ...controlOptions<ProgressInfo>(o),
    iterations: o.iterations === undefined ? 10_000 : integer("options.iterations", o.iterations, 1, 1e9),
    S,
    lr,
    tol,
    ...start,
  };
  return { c, o };
}

/**
 * An ADVI fit, one window of ADVI_WINDOW Adam iterations per step. theta = (m, omega = log
 * diag L[, L below the diagonal row by row]), as in assembly/advi.ts; `build` makes the
 * family's result from a theta.
 */
export abstract class AdviFit<R> extends StepperBase<R, ProgressInfo> {
  protected readonly d: number;
  protected readonly evaluator: Evaluator;
  protected readonly bufs: BufferSet;
  private readonly params: number;
  private readonly view: AdviView;
  private readonly rng: Buffer<Int32Array>;
  private readonly x: Buffer<Float64Array>;
  private readonly logp: Buffer<Float64Array>;
  private readonly grad: Buffer<Float64Array>;
  private readonly work: Buffer<Float64Array>;
  private readonly window: Buffer<Float64Array>;
  /** Each iteration's estimate of -ELBO. */
  protected readonly trace: number[] = [];
  protected done_ = 0;
  private previous = -Infinity;
  private previousMean: Float64Array | null = null;
  private stalls = 0;
  /** Windows run since the ELBO stalled, or -1 while optimising. */
  private averaging = -1;
  /** The last AVERAGE_WINDOWS windows' sums of theta and their lengths, for the final average. */
  private readonly tail: { sum: Float64Array; count: number }[] = [];
  private final: R | null = null;
  private fitted: Float64Array | null = null;

  constructor(
    protected readonly backend: Backend,
    protected readonly target: Target,
    protected readonly c: AdviConfig,
    /** Full rank (L lower triangular) or mean field (L diagonal). */
    protected readonly full: boolean,
  ) {
    super();
    const d = (this.d = target.dim);
    this.params = P.adviParams(d, full ? 1 : 0);
    this.evaluator = new Evaluator(backend, target);
    const K = this.evaluator.components;
    const bufs = (this.bufs = new BufferSet(backend));
    this.view = new AdviView(bufs.f64(P.adviSize(d, c.S, full ? 1 : 0)), this.params);
    this.rng = bufs.i32(4);
    this.x = bufs.f64(c.S * d);
    this.logp = bufs.f64(c.S);
    this.grad = bufs.f64(c.S * d);
    this.work = bufs.f64(K + K * d);
    this.window = bufs.f64(ADVI_WINDOW);
    const k = backend.kernels;
    k.adviInit(this.view.buffer.handle, d, c.S, full ? 1 : 0, c.lr, BETA1, BETA2, EPSILON);
    const theta = new Float64Array(this.params);
    for (let i = 0; i < d; i++) {
      theta[i] = c.center[i];
      theta[d + i] = P.log(c.scale[i]);
    }
    this.view.theta = theta;
    k.seedStreams(this.rng.handle, c.seed.lo, c.seed.hi, 1);
  }

  /** The family's result for parameters theta (the current ones, or the final average). */
  protected abstract build(theta: Float64Array): R;

  /** Runs one window; returns whether the target or the parameters left the finite numbers. */
  private runWindow(iters: number): boolean {
    const k = this.backend.kernels;
    const ws = this.view.buffer.handle;
    k.adviResetWindow(ws);
    if (this.evaluator.mixture) {
      const failed = k.adviRunMixture(ws, this.evaluator.descriptor, this.rng.handle, iters, this.x.handle, this.logp.handle, this.grad.handle, this.work.handle, this.window.handle) < 0;
      const t = this.window.view;
      for (let it = 0; it < this.view.windowIterations; it++) this.trace.push(-t[it]);
      return failed;
    }
    for (let it = 0; it < iters; it++) {
      k.adviDraw(ws, this.rng.handle, this.x.handle);
      this.evaluator.valueAndGradient(this.x, this.c.S, this.logp, this.grad);
      if (k.adviStep(ws, this.logp.handle, this.grad.handle) < 0) return true;
      this.trace.push(-this.view.elbo);
    }
    return false;
  }

  protected advance(): ProgressInfo {
    const failed = this.runWindow(Math.min(ADVI_WINDOW, this.c.iterations - this.done_));
    const ran = this.view.windowIterations;
    this.done_ += ran;
    if (ran > 0) {
      this.tail.push({ sum: this.view.windowSum, count: ran });
      if (this.tail.length > AVERAGE_WINDOWS) this.tail.shift();
    }
    if (failed) {
      this.conclude("diverged", `the target's log density or gradient was not finite at a draw of q (iteration ${this.done_ + 1}); a smaller options.learningRate may help`);
      return { sweep: this.done_, kl: NaN, maxChange: NaN, status: this.status };
    }
    const elbo = this.view.windowElbo / ran;
    const mean = this.view.windowSum.map((v) => v / ran);
    const maxChange = this.previousMean ? this.moved(this.previousMean, mean) : Infinity;
    if (this.averaging >= 0) {
      this.averaging++;
      if (this.averaging === AVERAGE_WINDOWS) this.conclude(...this.sane(ran));
    } else if (ran === ADVI_WINDOW) {
      const flat = elbo - this.previous < Math.max(this.c.tol, 2 * this.riseNoise(ran));
      this.stalls = flat && maxChange < SETTLED_MOVE ? this.stalls + 1 : 0;
      if (this.stalls >= PATIENCE) this.averaging = 0;
    }
    this.previous = elbo;
    this.previousMean = mean;
    if (!this.done && this.done_ >= this.c.iterations)
      this.conclude("maxIterations", `no convergence in ${this.c.iterations} iterations (the window ELBO still rose by at least tol)`);
    return { sweep: this.done_, kl: -elbo, maxChange, status: this.status };
  }

  /** How far the mean parameters moved between windows: m and L[i][j] in units of s_i, and log s. */
  private moved(before: Float64Array, after: Float64Array): number {
    const d = this.d;
    let most = 0;
    for (let p = 0; p < this.params; p++) {
      const row = p < d ? p : p < 2 * d ? -1 : this.entry(p).row;
      const unit = row < 0 ? 1 : P.exp(after[d + row]);
      most = Math.max(most, Math.abs(after[p] - before[p]) / unit);
    }
    return most;
  }

  /**
   * The standard deviation of the difference of two windows' mean ELBO estimates, from the
   * spread of the last window's per-iteration estimates (taken as independent).
   */
  private riseNoise(ran: number): number {
    const t = this.trace;
    let s = 0;
    let s2 = 0;
    for (let i = t.length - ran; i < t.length; i++) {
      s += t[i];
      s2 += t[i] * t[i];
    }
    const mean = s / ran;
    return Math.sqrt((2 * Math.max(0, s2 / ran - mean * mean)) / ran);
  }

  /**
   * 'converged', or 'unreliable' when log q - log pi varies by far more over draws of q than
   * it does for a Gaussian fit of the target's own scale (about sqrt(d / 2)): q then sits far
   * from the target at the scale of its own spread (typically a step size too coarse for a
   * badly scaled target), though the ELBO has stopped rising.
   */
  private sane(ran: number): [Status, string] {
    const perDraw = this.riseNoise(ran) * Math.sqrt(ran / 2) * Math.sqrt(this.c.S);
    const limit = 10 * (1 + Math.sqrt(this.d / 2));
    if (perDraw <= limit) return ["converged", ""];
    return ["unreliable", `the ELBO stopped rising, but log q - log pi varies by ${perDraw.toPrecision(3)} (standard deviation over draws of q; a good Gaussian fit: about ${Math.sqrt(this.d / 2).toPrecision(2)}): q is far from the target at its own scale. A smaller options.learningRate, or a rescaled target, may help`];
  }

  override stop(message = "stopped by stop()"): void {
    if (!this.done) this.conclude("aborted", `${message} after ${this.done_} iterations`);
  }

  /** Polyak-Ruppert: the average of the iterates over the last (up to) AVERAGE_WINDOWS windows. */
  private average(): Float64Array {
    if (this.tail.length === 0) return this.view.theta;
    const average = new Float64Array(this.params);
    let count = 0;
    for (const w of this.tail) {
      for (let p = 0; p < this.params; p++) average[p] += w.sum[p];
      count += w.count;
    }
    for (let p = 0; p < this.params; p++) average[p] /= count;
    return average;
  }

  /** Row and column of theta[p] >= 2 d, an entry of L below the diagonal (stored row by row). */
  private entry(p: number): { row: number; col: number } {
    const k = p - 2 * this.d;
    let i = 1;
    while (k >= (i * (i + 1)) / 2) i++;
    return { row: i, col: k - (i * (i - 1)) / 2 };
  }

  /** theta[p]'s name in messages: m[i], log s[i] (s = diag L) or L[i][j]. */
  private parameterName(p: number): string {
    const d = this.d;
    if (p < 2 * d) return `${p < d ? "m" : "log s"}[${p % d}]`;
    const { row, col } = this.entry(p);
    return `L[${row}][${col}]`;
  }

  /** Ends the fit with its averaged parameters (diverged if they are not finite). */
  private conclude(status: Status, message: string): void {
    let average = this.average();
    const bad = average.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      status = "diverged";
      message = `the parameters left the finite numbers (${this.parameterName(bad)} = ${average[bad]})`;
      average = new Float64Array(this.params);
    }
    this.fitted = average;
    this.end(status, message);
  }

  protected snapshot(): R {
    if (this.final) return this.final;
    const q = this.build(this.fitted ?? this.view.theta);
    if (this.done) this.final = q;
    return q;
  }

  protected release(): void {
    this.evaluator.dispose();
    this.bufs.free();
  }
}
