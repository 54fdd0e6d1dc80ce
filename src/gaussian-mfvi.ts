// Gaussian mean-field VI fitted by stochastic gradients: the ADVI baseline of Stan and PyMC
// (Kucukelbir et al., "Automatic Differentiation Variational Inference", JMLR 2017).
// q = prod_i N(m_i, s_i^2), s_i = exp(omega_i); the ELBO's gradient is estimated with the
// reparameterisation x = m + s * eps and followed by Adam. The kernels are in assembly/advi.ts.
import type { Approximation } from "./approximation.js";
import { BufferSet, getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import { Engine, parseCaviOptions, type ProgressInfo } from "./cavi.js";
import { runToEnd, StepperBase, type Status, type Stepper } from "./core/driver.js";
import { Evaluator } from "./core/evaluator.js";
import { CONTROL_KEYS, controlOptions, factorStart, targetArgument, type ControlConfig } from "./core/options.js";
import { AdviView } from "./core/views.js";
import * as P from "./generated/portable/index.js";
import { identity } from "./mfvi.js";
import type { Target } from "./targets.js";
import { finite, integer, knownKeys, options, rangeError } from "./validate.js";

export interface GaussianMfviOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same bits. */
  backend?: BackendName;
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
   * than tol max(1, |ELBO|) over the previous window's, twice in a row (default 0.01, like
   * Stan's tol_rel_obj); the fit then runs 1000 more iterations to average (see gaussianMfvi)
   * and reports 'converged'.
   */
  tol?: number;
  /** Starting factors N(center_i, scale_i^2) (numbers apply to every coordinate); default center 0, scale 1. */
  init?: { center: number | readonly number[]; scale: number | readonly number[] };
  /** Cells of each histogram factor of the returned Approximation; default 256. */
  gridSize?: number;
  /** Called after every window of 100 iterations (sweep = iterations done); a returned promise is awaited. */
  onProgress?: (info: ProgressInfo) => unknown;
  /** Aborts the fit; the result then has status 'aborted'. */
  signal?: AbortSignal;
}

const KEYS = [...CONTROL_KEYS, "iterations", "samplesPerStep", "learningRate", "tol", "init", "gridSize"] as const;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
/** Iterations per window: the unit of convergence checks, progress and iterate averaging. */
export const ADVI_WINDOW = 100;
/** Windows in a row whose ELBO gain is below tol before the fit counts as stalled. */
const PATIENCE = 2;
/** Windows run after the stall and averaged into the result (1000 iterations). */
const AVERAGE_WINDOWS = 10;


interface Config extends ControlConfig<ProgressInfo> {
  iterations: number;
  S: number;
  lr: number;
  tol: number;
  center: Float64Array;
  scale: Float64Array;
  gridSize: number | undefined;
}

function parse(target: unknown, opts: unknown): Config {
  const d = targetArgument(target, "ADVI's reparameterised gradients").dim;
  const o = options("options", opts);
  knownKeys("options", o, KEYS);
  const start = o.init === undefined ? { center: new Float64Array(d), scale: new Float64Array(d).fill(1) } : factorStart("options.init", o.init, d);
  const lr = o.learningRate === undefined ? 0.05 : finite("options.learningRate", o.learningRate);
  if (!(lr > 0)) throw rangeError("options.learningRate", "> 0", lr);
  const tol = o.tol === undefined ? 0.01 : finite("options.tol", o.tol);
  if (!(tol > 0)) throw rangeError("options.tol", "> 0", tol);
  const S = o.samplesPerStep === undefined ? 10 : integer("options.samplesPerStep", o.samplesPerStep, 1, 1_000_000);
  if (S * d > 2 ** 26) throw rangeError("options.samplesPerStep", `at most ${Math.floor(2 ** 26 / d)} in dimension ${d}`, S);
  return {
    ...controlOptions<ProgressInfo>(o),
    iterations: o.iterations === undefined ? 10_000 : integer("options.iterations", o.iterations, 1, 1e9),
    S,
    lr,
    tol,
    ...start,
    gridSize: o.gridSize === undefined ? undefined : integer("options.gridSize", o.gridSize, 16, 65536),
  };
}

/** A Gaussian mean-field fit, one window of ADVI_WINDOW Adam iterations per step. */
class AdviFit extends StepperBase<Approximation, ProgressInfo> {
  private readonly d: number;
  private readonly evaluator: Evaluator;
  private readonly bufs: BufferSet;
  private readonly view: AdviView;
  private readonly rng: Buffer<Int32Array>;
  private readonly x: Buffer<Float64Array>;
  private readonly logp: Buffer<Float64Array>;
  private readonly grad: Buffer<Float64Array>;
  private readonly work: Buffer<Float64Array>;
  private readonly window: Buffer<Float64Array>;
  /** Each iteration's estimate of -ELBO. */
  private readonly trace: number[] = [];
  private done_ = 0;
  private previous = -Infinity;
  private previousMean: Float64Array | null = null;
  private stalls = 0;
  /** Windows run since the ELBO stalled, or -1 while optimising. */
  private averaging = -1;
  /** The last AVERAGE_WINDOWS windows' sums of theta and their lengths, for the final average. */
  private readonly tail: { sum: Float64Array; count: number }[] = [];
  private final: Approximation | null = null;
  private fitted: { center: Float64Array; scale: Float64Array } | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly c: Config,
  ) {
    super();
    const d = (this.d = target.dim);
    this.evaluator = new Evaluator(backend, target);
    const K = this.evaluator.components;
    const bufs = (this.bufs = new BufferSet(backend));
    this.view = new AdviView(bufs.f64(P.adviSize(d, c.S)), d);
    this.rng = bufs.i32(4);
    this.x = bufs.f64(c.S * d);
    this.logp = bufs.f64(c.S);
    this.grad = bufs.f64(c.S * d);
    this.work = bufs.f64(K + K * d);
    this.window = bufs.f64(ADVI_WINDOW);
    const k = backend.kernels;
    k.adviInit(this.view.buffer.handle, d, c.S, c.lr, BETA1, BETA2, EPSILON);
    const theta = new Float64Array(2 * d);
    for (let i = 0; i < d; i++) {
      theta[i] = c.center[i];
      theta[d + i] = P.log(c.scale[i]);
    }
    this.view.theta = theta;
    k.seedStreams(this.rng.handle, c.seed.lo, c.seed.hi, 1);
  }

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
    let maxChange = Infinity;
    if (this.previousMean) {
      maxChange = 0;
      for (let p = 0; p < 2 * this.d; p++) maxChange = Math.max(maxChange, Math.abs(mean[p] - this.previousMean[p]));
    }
    if (this.averaging >= 0) {
      this.averaging++;
      if (this.averaging === AVERAGE_WINDOWS) this.conclude("converged", "");
    } else if (ran === ADVI_WINDOW) {
      this.stalls = elbo - this.previous < this.c.tol * Math.max(1, Math.abs(elbo)) ? this.stalls + 1 : 0;
      if (this.stalls >= PATIENCE) this.averaging = 0;
    }
    this.previous = elbo;
    this.previousMean = mean;
    if (!this.done && this.done_ >= this.c.iterations)
      this.conclude("maxIterations", `no convergence in ${this.c.iterations} iterations (the window ELBO still rose by at least tol)`);
    return { sweep: this.done_, kl: -elbo, maxChange, status: this.status };
  }

  override stop(message = "stopped by stop()"): void {
    if (!this.done) this.conclude("aborted", `${message} after ${this.done_} iterations`);
  }

  /** Polyak-Ruppert: the average of the iterates over the last (up to) AVERAGE_WINDOWS windows. */
  private average(): Float64Array {
    if (this.tail.length === 0) return this.view.theta;
    const d = this.d;
    const average = new Float64Array(2 * d);
    let count = 0;
    for (const w of this.tail) {
      for (let p = 0; p < 2 * d; p++) average[p] += w.sum[p];
      count += w.count;
    }
    for (let p = 0; p < 2 * d; p++) average[p] /= count;
    return average;
  }

  /** Ends the fit with its averaged parameters (diverged if they are not finite). */
  private conclude(status: Status, message: string): void {
    const { d } = this;
    let average = this.average();
    const bad = average.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      status = "diverged";
      message = `the parameters left the finite numbers (${bad < d ? "m" : "log s"}[${bad % d}] = ${average[bad]})`;
      average = new Float64Array(2 * d);
    }
    this.fitted = { center: average.slice(0, d), scale: average.slice(d).map((w) => P.exp(w)) };
    this.end(status, message);
  }

  /** The Gaussian factors on histogram grids of center +- 8 scale, their KL evaluated like a fit's. */
  protected snapshot(): Approximation {
    if (this.final) return this.final;
    const { center, scale } = this.fitted ?? { center: this.view.theta.slice(0, this.d), scale: this.view.theta.slice(this.d).map((w) => P.exp(w)) };
    const config = parseCaviOptions(this.target, { backend: this.backend.name, ...(this.c.gridSize === undefined ? {} : { gridSize: this.c.gridSize }) });
    const engine = Engine.on(this.backend, this.target, config);
    try {
      engine.setRotation(identity(this.d));
      engine.initFactors(center, scale);
      const q = engine.approximation({
        method: "gaussianMfvi",
        kl: engine.evaluateKl(),
        iterations: this.done_,
        status: this.status,
        message: this.message,
        trace: Float64Array.from(this.trace),
      });
      if (this.done) this.final = q;
      return q;
    } finally {
      engine.dispose();
    }
  }

  protected release(): void {
    this.evaluator.dispose();
    this.bufs.free();
  }
}

async function start(target: Target, opts: GaussianMfviOptions | undefined): Promise<{ fit: AdviFit; c: Config }> {
  const c = parse(target, opts);
  return { fit: new AdviFit(await getBackend(c.backend), target, c), c };
}

/**
 * Starts a Gaussian mean-field fit to step by hand: `step()` runs one window of 100 Adam
 * iterations, `current()` is the Approximation of the current parameters, `result()` the
 * final one (the Polyak-Ruppert average). `gaussianMfvi(target, options)` is exactly this,
 * stepped until done.
 */
export async function gaussianMfviStepper(target: Target, opts?: GaussianMfviOptions): Promise<Stepper<Approximation, ProgressInfo>> {
  return (await start(target, opts)).fit;
}

/**
 * Gaussian mean-field VI (ADVI): argmax over q = prod_i N(m_i, s_i^2) of the ELBO, by Adam on
 * reparameterised stochastic gradients, at a constant step size. Needs the target's gradient.
 * Once the ELBO stalls (options.tol) the fit runs 1000 more iterations and returns the average
 * of the iterates over them (Polyak-Ruppert averaging: it removes most of the gradient noise
 * that a constant step size leaves in the last iterate); 'maxIterations' fits return the
 * average over their last 1000 iterations. The result is an Approximation whose factors are
 * these Gaussians on histogram grids of center +- 8 scale (method 'gaussianMfvi', iterations =
 * Adam iterations, trace = the per-iteration estimates of -ELBO: the KL for normalised
 * targets, up to Monte Carlo noise; `kl` is evaluated on the grids like an mfvi() fit's).
 */
export async function gaussianMfvi(target: Target, opts?: GaussianMfviOptions): Promise<Approximation> {
  const { fit, c } = await start(target, opts);
  return runToEnd(fit, c);
}
