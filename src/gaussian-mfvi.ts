// Gaussian mean-field VI fitted by stochastic gradients: the ADVI baseline of Stan and PyMC
// (Kucukelbir et al., "Automatic Differentiation Variational Inference", JMLR 2017).
// q = prod_i N(m_i, s_i^2), s_i = exp(omega_i); the ELBO's gradient is estimated with the
// reparameterisation x = m + s * eps and followed by Adam. The kernels are in assembly/advi.ts.
import type { Approximation, FitStatus } from "./approximation.js";
import { BufferSet, getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import { makeYielder, type ProgressInfo } from "./cavi.js";
import * as P from "./generated/portable/index.js";
import { batchGradient } from "./lmc.js";
import { gaussianFactorsApproximation } from "./mfvi.js";
import { CustomTarget, GaussianMixture, isTarget, type Target } from "./targets.js";
import { Described, finite, integer, knownKeys, options, rangeError, seedOption, backendOption, callbackOption, signalOption, typeError, vector } from "./validate.js";

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
  /** Called after every window of 100 iterations (sweep = iterations done). */
  onProgress?: (info: ProgressInfo) => void;
  /** Aborts the fit; the result then has status 'aborted'. */
  signal?: AbortSignal;
}

const KEYS = ["backend", "seed", "iterations", "samplesPerStep", "learningRate", "tol", "init", "gridSize", "onProgress", "signal"] as const;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;
/** Iterations per window: the unit of convergence checks, progress and iterate averaging. */
export const ADVI_WINDOW = 100;
/** Windows in a row whose ELBO gain is below tol before the fit counts as stalled. */
const PATIENCE = 2;
/** Windows run after the stall and averaged into the result (1000 iterations). */
const AVERAGE_WINDOWS = 10;

interface Config {
  backend: BackendName | undefined;
  seed: { lo: number; hi: number };
  iterations: number;
  S: number;
  lr: number;
  tol: number;
  center: Float64Array;
  scale: Float64Array;
  gridSize: number | undefined;
  onProgress: ((info: ProgressInfo) => void) | null;
  signal: AbortSignal | null;
}

function perCoordinate(name: string, value: unknown, d: number, positive: boolean): Float64Array {
  const v = typeof value === "number" ? new Float64Array(d).fill(finite(name, value)) : vector(name, value, d);
  if (positive)
    v.forEach((x, i) => {
      if (!(x > 0)) throw rangeError(typeof value === "number" ? name : `${name}[${i}]`, "positive", x);
    });
  return v;
}

function parse(target: unknown, opts: unknown): Config {
  if (!isTarget(target)) throw typeError("target", "a target made by gaussian(), gaussianMixture() or customTarget()", target);
  if (target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", "a target with a gradient (customTarget({ ..., gradLogDensity })) for ADVI's reparameterised gradients", new Described("a customTarget without gradLogDensity"));
  const d = target.dim;
  const o = options("options", opts);
  knownKeys("options", o, KEYS);
  let center: Float64Array = new Float64Array(d);
  let scale: Float64Array = new Float64Array(d).fill(1);
  if (o.init !== undefined) {
    const i = options("options.init", o.init);
    knownKeys("options.init", i, ["center", "scale"]);
    center = perCoordinate("options.init.center", i.center, d, false);
    scale = perCoordinate("options.init.scale", i.scale, d, true);
  }
  const lr = o.learningRate === undefined ? 0.05 : finite("options.learningRate", o.learningRate);
  if (!(lr > 0)) throw rangeError("options.learningRate", "> 0", lr);
  const tol = o.tol === undefined ? 0.01 : finite("options.tol", o.tol);
  if (!(tol > 0)) throw rangeError("options.tol", "> 0", tol);
  const S = o.samplesPerStep === undefined ? 10 : integer("options.samplesPerStep", o.samplesPerStep, 1, 1_000_000);
  if (S * d > 2 ** 26) throw rangeError("options.samplesPerStep", `at most ${Math.floor(2 ** 26 / d)} in dimension ${d}`, S);
  return {
    backend: backendOption("options.backend", o.backend),
    seed: seedOption("options.seed", o.seed),
    iterations: o.iterations === undefined ? 10_000 : integer("options.iterations", o.iterations, 1, 1e9),
    S,
    lr,
    tol,
    center,
    scale,
    gridSize: o.gridSize === undefined ? undefined : integer("options.gridSize", o.gridSize, 16, 65536),
    onProgress: callbackOption<NonNullable<Config["onProgress"]>>("options.onProgress", o.onProgress),
    signal: signalOption("options.signal", o.signal),
  };
}

/**
 * Gaussian mean-field VI (ADVI): argmax over q = prod_i N(m_i, s_i^2) of the ELBO, by Adam on
 * reparameterised stochastic gradients, at a constant step size. Needs the target's gradient.
 * Once the ELBO stalls (options.tol) the fit runs 1000 more iterations and returns the average
 * of the iterates over them (Polyak-Ruppert averaging: it removes most of the gradient noise
 * that a constant step size leaves in the last iterate); 'maxSweeps' fits return the average
 * over their last 1000 iterations. The result is an Approximation whose factors are these
 * Gaussians on histogram grids of center +- 8 scale (method 'gaussianMfvi', sweeps = Adam
 * iterations, trace = the per-iteration estimates of -ELBO: the KL for normalised targets, up to
 * Monte Carlo noise; `kl` is evaluated on the grids like an mfvi() fit's).
 */
export async function gaussianMfvi(target: Target, opts?: GaussianMfviOptions): Promise<Approximation> {
  const c = parse(target, opts);
  const backend = await getBackend(c.backend);
  const fit = new AdviFit(backend, target, c);
  let run: { status: FitStatus; message: string; center: Float64Array; scale: Float64Array; trace: Float64Array; iterations: number };
  try {
    run = await fit.go();
  } finally {
    fit.dispose();
  }
  const d = target.dim;
  const rotation = new Float64Array(d * d);
  for (let i = 0; i < d; i++) rotation[i * d + i] = 1;
  return gaussianFactorsApproximation(target, run.center, run.scale, rotation, {
    method: "gaussianMfvi",
    options: { backend: backend.name, ...(c.gridSize === undefined ? {} : { gridSize: c.gridSize }) },
    sweeps: run.iterations,
    status: run.status,
    message: run.message,
    trace: run.trace,
  });
}

class AdviFit {
  private readonly d: number;
  private readonly mixture: GaussianMixture | null;
  private readonly bufs: BufferSet;
  private readonly ws: Buffer<Float64Array>;
  private readonly rng: Buffer<Int32Array>;
  private readonly x: Buffer<Float64Array>;
  private readonly logp: Buffer<Float64Array>;
  private readonly grad: Buffer<Float64Array>;
  private readonly work: Buffer<Float64Array>;
  private readonly trace: Buffer<Float64Array>;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly c: Config,
  ) {
    const d = (this.d = target.dim);
    this.mixture = target instanceof GaussianMixture ? target : null;
    const K = this.mixture ? this.mixture.components.length : 0;
    const bufs = (this.bufs = new BufferSet(backend));
    const f = (n: number) => bufs.f64(n);
    this.ws = f(P.adviSize(d, c.S));
    this.rng = bufs.i32(4);
    this.x = f(c.S * d);
    this.logp = f(c.S);
    this.grad = f(c.S * d);
    this.work = f(K + K * d);
    this.trace = f(ADVI_WINDOW);
  }

  dispose(): void {
    this.bufs.free();
  }

  private theta(block: number): Float64Array {
    const at = P.adviAt(this.d, block);
    return this.ws.view.slice(at, at + 2 * this.d);
  }

  async go() {
    const { c, d, backend } = this;
    const k = backend.kernels;
    k.adviInit(this.ws.handle, d, c.S, c.lr, BETA1, BETA2, EPSILON);
    const th = P.adviAt(d, P.AB_THETA);
    for (let i = 0; i < d; i++) {
      this.ws.view[th + i] = c.center[i];
      this.ws.view[th + d + i] = P.log(c.scale[i]);
    }
    k.seedStreams(this.rng.handle, c.seed.lo, c.seed.hi, 1);
    const host = this.mixture
      ? null
      : { eval: batchGradient(this.target), points: new Float64Array(c.S * d), logp: new Float64Array(c.S), grad: new Float64Array(c.S * d) };
    const trace = new Float64Array(c.iterations);
    const pause = makeYielder();
    let done = 0;
    let status: FitStatus = "maxSweeps";
    let message = "";
    let previous = -Infinity;
    let previousMean: Float64Array | null = null;
    let stalls = 0;
    let averaging = -1; // windows run since the ELBO stalled, or -1 while optimising
    // the last AVERAGE_WINDOWS windows' sums of theta and their lengths, for the final average
    const tail: { sum: Float64Array; count: number }[] = [];
    while (done < c.iterations) {
      if (c.signal?.aborted) {
        status = "aborted";
        message = `aborted by options.signal after ${done} iterations`;
        break;
      }
      const iters = Math.min(ADVI_WINDOW, c.iterations - done);
      k.adviResetWindow(this.ws.handle);
      let failed = false;
      if (this.mixture) {
        const descriptor = this.mixture.workspace(backend).get("descriptor", 0).handle;
        failed = k.adviRunMixture(this.ws.handle, descriptor, this.rng.handle, iters, this.x.handle, this.logp.handle, this.grad.handle, this.work.handle, this.trace.handle) < 0;
        const ran = this.ws.view[P.AD_WIN];
        const t = this.trace.view;
        for (let it = 0; it < ran; it++) trace[done + it] = -t[it];
      } else {
        const s = host!;
        for (let it = 0; it < iters && !failed; it++) {
          k.adviDraw(this.ws.handle, this.rng.handle, this.x.handle);
          s.points.set(this.x.view.subarray(0, c.S * d)); // a copy: the user's code may grow WASM memory
          s.eval(s.points, c.S, s.logp, s.grad);
          this.logp.view.set(s.logp);
          this.grad.view.set(s.grad);
          failed = k.adviStep(this.ws.handle, this.logp.handle, this.grad.handle) < 0;
          if (!failed) trace[done + it] = -this.ws.view[P.AD_ELBO];
        }
      }
      const ran = this.ws.view[P.AD_WIN];
      done += ran;
      if (ran > 0) {
        tail.push({ sum: this.theta(P.AB_WSUM), count: ran });
        if (tail.length > AVERAGE_WINDOWS) tail.shift();
      }
      if (failed) {
        status = "diverged";
        message = `the target's log density or gradient was not finite at a draw of q (iteration ${done + 1}); a smaller options.learningRate may help`;
        break;
      }
      const elbo = this.ws.view[P.AD_WELBO] / ran;
      const mean = this.theta(P.AB_WSUM).map((v) => v / ran);
      let maxChange = Infinity;
      if (previousMean) {
        maxChange = 0;
        for (let p = 0; p < 2 * d; p++) maxChange = Math.max(maxChange, Math.abs(mean[p] - previousMean[p]));
      }
      c.onProgress?.({ sweep: done, kl: -elbo, maxChange });
      if (averaging >= 0) {
        averaging++;
        if (averaging === AVERAGE_WINDOWS) {
          status = "converged";
          break;
        }
      } else if (ran === ADVI_WINDOW) {
        stalls = elbo - previous < c.tol * Math.max(1, Math.abs(elbo)) ? stalls + 1 : 0;
        if (stalls >= PATIENCE) averaging = 0;
      }
      previous = elbo;
      previousMean = mean;
      await pause();
    }
    // Polyak-Ruppert: the average of the iterates over the last (up to) AVERAGE_WINDOWS windows
    let average = this.theta(P.AB_THETA);
    if (tail.length > 0) {
      average = new Float64Array(2 * d);
      let count = 0;
      for (const w of tail) {
        for (let p = 0; p < 2 * d; p++) average[p] += w.sum[p];
        count += w.count;
      }
      for (let p = 0; p < 2 * d; p++) average[p] /= count;
    }
    if (status === "maxSweeps") message = `no convergence in ${c.iterations} iterations (the window ELBO still rose by at least tol)`;
    for (let p = 0; p < 2 * d; p++) {
      if (!Number.isFinite(average[p])) {
        status = "diverged";
        message = `the parameters left the finite numbers (${p < d ? "m" : "log s"}[${p % d}] = ${average[p]})`;
        average = new Float64Array(2 * d).fill(0);
        break;
      }
    }
    return {
      status,
      message,
      center: average.slice(0, d),
      scale: average.slice(d).map((w) => P.exp(w)),
      trace: trace.slice(0, done),
      iterations: done,
    };
  }
}
