// Rotational VI: MFVI in a learned rotated coordinate system x = O y (ALGORITHMS.md section 3).
import { Approximation, type FitStatus } from "./approximation.js";
import { BufferSet, backendNow, getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import { CAVI_KEYS, Engine, checkRanges, initialGuess, parseCaviOptions, type CaviConfig, type CaviOptions } from "./cavi.js";
import * as P from "./generated/portable/index.js";
import { MAX_SVD_ORDER, powerOfTwoScale, svdOf } from "./linalg.js";
import { identity, runSweeps } from "./mfvi.js";
import { CustomTarget, GaussianMixture, type Target } from "./targets.js";
import { Described, backendOption, finite, integer, knownKeys, matrix, oneOf, options, rangeError, typeError } from "./validate.js";

export interface TemperSchedule {
  /** First exponent beta of V_beta = beta V; default 0.05. */
  from?: number;
  /** Stages, geometric from `from` to 1; default 6. */
  stages?: number;
  /** Or the exponents themselves, increasing, ending at 1. */
  betas?: readonly number[];
}

export interface RoviOptions extends CaviOptions {
  /**
   * Starting rotation: 'pca' (the principal axes of a Gaussian mixture: eigenvectors of its
   * covariance), 'identity', 'random' (Haar), a d x d orthogonal matrix (within 1e-8), or
   * `{ samples }`: the principal axes of exploratory draws (e.g. `lmc(...).samples`; rows of
   * length d, row-major or nested), with the factors started from the draws' means and
   * spreads along those axes unless `init` or `bounds` says otherwise. Default 'auto': 'pca'
   * for mixtures, 'identity' for custom targets.
   */
  rotationInit?: "auto" | "identity" | "random" | "pca" | readonly (readonly number[])[] | Float64Array | { samples: Float64Array | readonly (readonly number[])[] };
  /** Independent runs (restart r > 0 starts from a random rotation, seed + r); the lowest KL is kept. Default 1. */
  restarts?: number;
  /** Tempering schedule; default on (6 stages from beta = 0.05); false turns it off. */
  temper?: boolean | TemperSchedule;
  /** Factor sweeps between rotation phases; default 1. */
  rotationEvery?: number;
  /** Procrustes steps at most per rotation phase (it stops early once O moves less than rotationTol); default 10. */
  rotationSteps?: number;
  /** Draws from mu per rotation step (gradient and objective); default max(4096, 128 d): the step fits O to these draws, so they must far outnumber its d(d-1)/2 parameters. */
  rotationSamples?: number;
  /** A stage has settled when a rotation step moves O by less than this (Frobenius); default 1e-4. */
  rotationTol?: number;
  /** Rotation cycles (sweeps + step) at most per tempering stage before beta = 1; default 3. */
  cyclesPerStage?: number;
  /** Procrustes step control: the backtracking doubles c at most maxBacktracks times; default 40. */
  procrustes?: { maxBacktracks?: number };
}

const ROVI_KEYS = ["rotationInit", "restarts", "temper", "rotationEvery", "rotationSteps", "rotationSamples", "rotationTol", "cyclesPerStage", "procrustes"];

/** A start from exploratory draws: their principal axes, and their moments along them. */
interface DrawsStart {
  rotation: Float64Array;
  center: Float64Array;
  scale: Float64Array;
}

interface RoviConfig {
  rotationInit: "identity" | "random" | "pca" | Float64Array | DrawsStart;
  restarts: number;
  betas: number[];
  rotationEvery: number;
  rotationSteps: number;
  rotationSamples: number;
  rotationTol: number;
  cyclesPerStage: number;
  maxBacktracks: number;
}

function parseRoviOptions(target: Target, opts: Record<string, unknown>): RoviConfig {
  const d = target.dim;
  let rotationInit: RoviConfig["rotationInit"] = target instanceof GaussianMixture ? "pca" : "identity";
  const ri = opts.rotationInit;
  if (typeof ri === "string" && ri !== "auto") {
    rotationInit = oneOf("options.rotationInit", ri, ["identity", "random", "pca"] as const);
    if (rotationInit === "pca" && !(target instanceof GaussianMixture))
      throw rangeError("options.rotationInit", "'pca' only for a Gaussian mixture target (for others pass { samples } of exploratory draws)", "pca");
  } else if (typeof ri === "object" && ri !== null && !Array.isArray(ri) && !(ri instanceof Float64Array)) {
    const o = options("options.rotationInit", ri);
    knownKeys("options.rotationInit", o, ["samples"]);
    rotationInit = drawsStart("options.rotationInit.samples", o.samples, d);
  } else if (ri !== undefined) {
    const m = matrix("options.rotationInit", ri, { rows: d, cols: d }).data;
    let worst = 0;
    for (let r = 0; r < d; r++)
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += m[k * d + r] * m[k * d + c];
        worst = Math.max(worst, Math.abs(s - (r === c ? 1 : 0)));
      }
    if (worst > 1e-8) throw rangeError("options.rotationInit", "orthogonal (|O^T O - I| <= 1e-8)", new Described(`a matrix with |O^T O - I| = ${worst.toExponential(2)}`));
    rotationInit = m;
  }
  let betas = [1];
  const temper = opts.temper === undefined ? true : opts.temper;
  if (temper === true || (typeof temper === "object" && temper !== null)) {
    const t = temper === true ? {} : options("options.temper", temper);
    knownKeys("options.temper", t, ["from", "stages", "betas"]);
    if (t.betas !== undefined && (t.from !== undefined || t.stages !== undefined))
      throw rangeError(`options.temper.${t.from !== undefined ? "from" : "stages"}`, "absent when options.temper.betas is given", t.from ?? t.stages);
    if (t.betas !== undefined) {
      if (!Array.isArray(t.betas) || t.betas.length === 0) throw typeError("options.temper.betas", "a non-empty array of numbers", t.betas);
      betas = t.betas.map((b: unknown, i: number) => finite(`options.temper.betas[${i}]`, b));
      betas.forEach((b, i) => {
        if (!(b > 0 && b <= 1) || (i > 0 && b <= betas[i - 1])) throw rangeError(`options.temper.betas[${i}]`, "in (0, 1] and increasing", b);
      });
      if (betas[betas.length - 1] !== 1) throw rangeError("options.temper.betas", "ending at 1", betas[betas.length - 1]);
    } else {
      const from = t.from === undefined ? 0.05 : finite("options.temper.from", t.from);
      if (!(from > 0 && from < 1)) throw rangeError("options.temper.from", "in (0, 1)", from);
      const stages = t.stages === undefined ? 6 : integer("options.temper.stages", t.stages, 1, 1000);
      // from^(1 - i / stages) by the kernels' exp and log: ** may differ between engines in the last bit
      betas = Array.from({ length: stages + 1 }, (_, i) => (i === stages ? 1 : P.exp((1 - i / stages) * P.log(from))));
    }
  } else if (temper !== false) throw typeError("options.temper", "a boolean or a schedule { from, stages } / { betas }", temper);
  const pro = opts.procrustes === undefined ? {} : options("options.procrustes", opts.procrustes);
  knownKeys("options.procrustes", pro, ["maxBacktracks"]);
  const cfg: RoviConfig = {
    rotationInit,
    restarts: opts.restarts === undefined ? 1 : integer("options.restarts", opts.restarts, 1, 1000),
    betas,
    rotationEvery: opts.rotationEvery === undefined ? 1 : integer("options.rotationEvery", opts.rotationEvery, 1, 1e6),
    rotationSteps: opts.rotationSteps === undefined ? 10 : integer("options.rotationSteps", opts.rotationSteps, 1, 1e6),
    rotationSamples: opts.rotationSamples === undefined ? Math.max(4096, 128 * d) : integer("options.rotationSamples", opts.rotationSamples, 2, 1e7),
    rotationTol: opts.rotationTol === undefined ? 1e-4 : finite("options.rotationTol", opts.rotationTol),
    cyclesPerStage: opts.cyclesPerStage === undefined ? 3 : integer("options.cyclesPerStage", opts.cyclesPerStage, 1, 1e6),
    maxBacktracks: pro.maxBacktracks === undefined ? 40 : integer("options.procrustes.maxBacktracks", pro.maxBacktracks, 0, 1000),
  };
  if (!(cfg.rotationTol > 0)) throw rangeError("options.rotationTol", "positive", cfg.rotationTol);
  if (target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", "a target with gradLogDensity (RoVI's rotation step needs the gradient)", "a customTarget without one");
  return cfg;
}

/** The rotation step's buffers and state for one fit. */
class Rotator {
  private c = 0;
  /** Whether the last step was accepted at its first c (then the next one tries c / 2). */
  private grow = true;
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
  private readonly bufs: BufferSet;

  constructor(
    private readonly engine: Engine,
    private readonly cfg: RoviConfig,
  ) {
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

  /** Sets O (and the engine's copy). */
  set(rotation: Float64Array): void {
    this.o.view.set(rotation);
    this.engine.setRotation(rotation);
  }

  /** The polar factor of m into out; false when m is not finite (nothing written). */
  polar(m: Buffer<Float64Array>, out: Buffer<Float64Array>): boolean {
    return this.engine.backend.kernels.polarFactor(m.handle, this.engine.d, out.handle, this.s.handle, this.v.handle, this.work.handle, 60) !== 0;
  }

  /**
   * One Procrustes step on draws from the current factors. The draws come from the same
   * uniforms every step (common random numbers), so the steps are a deterministic map of the
   * factors that settles instead of wandering with sampling noise. `fresh`: the factors have
   * changed since the last step, so the draws y are made anew; otherwise the last step's
   * draws y and their images x = O y (left by its accepted candidate) serve again. Returns
   * how far O moved (Frobenius; 0 when no step lowered the sample objective).
   */
  step(fresh: boolean): number {
    const { engine } = this;
    const k = engine.backend.kernels;
    const d = engine.d;
    const n = this.cfg.rotationSamples;
    const y = engine.buffer("rotY", n * d);
    const x = engine.buffer("rotX", n * d);
    const logp = engine.buffer("rotLogp", n);
    const grad = engine.buffer("rotGrad", n * d);
    if (fresh) {
      this.rng.view.set(this.seedState);
      k.mfviSample(engine.ws.handle, this.rng.handle, n, 1, y.handle, x.handle);
    }
    engine.gradLogDensity(x, n, logp, grad);
    const f = k.roviGradient(y.handle, grad.handle, logp.handle, n, d, this.g.handle);
    if (!Number.isFinite(f)) return 0;
    // c starts at the last accepted value, halved if that was accepted at once (so steps can
    // grow again); it restarts from |G|_F when rejected steps have driven it out of range
    const gNorm = Math.max(Math.sqrt(this.g.view.reduce((s, v) => s + v * v, 0)), 1e-300);
    this.c = this.c > 0 && this.c < 1e12 * gNorm ? (this.grow ? this.c / 2 : this.c) : gNorm;
    for (let attempt = 0; attempt <= this.cfg.maxBacktracks; attempt++, this.c *= 2) {
      this.grow = attempt === 0;
      k.procrustesTarget(this.o.handle, this.g.handle, this.c, d, this.m.handle);
      if (!this.polar(this.m, this.candidate)) return 0;
      k.applyRotation(this.candidate.handle, d, y.handle, n, x.handle);
      engine.logDensity(x, n, logp);
      const fNew = k.meanPotential(logp.handle, n);
      if (fNew <= f) {
        const moved = k.frobeniusDistance(this.candidate.handle, this.o.handle, d);
        this.set(this.candidate.view.slice());
        return moved;
      }
    }
    return 0;
  }

  dispose(): void {
    this.bufs.free();
  }
}

/** A Haar-random orthogonal matrix: the polar factor of a Gaussian matrix (invariant under rotations). */
function haar(engine: Engine, rotator: Rotator): Float64Array {
  const d = engine.d;
  const b: Backend = engine.backend;
  const g = engine.buffer("haar", d * d);
  const out = engine.buffer("haarOut", d * d);
  b.kernels.fillNormal(engine.rng.handle, 0, g.handle, 0, d * d);
  rotator.polar(g, out);
  return out.view.slice(0, d * d);
}

/** Principal axes of a Gaussian mixture: the eigenvectors of its covariance, as columns. */
function mixtureAxes(target: GaussianMixture, engine: Engine): Float64Array {
  const d = target.dim;
  const mean = new Float64Array(d);
  for (const c of target.components) for (let i = 0; i < d; i++) mean[i] += c.weight * c.mean[i];
  const cov = new Float64Array(d * d);
  for (const c of target.components)
    for (let r = 0; r < d; r++)
      for (let s = 0; s < d; s++) cov[r * d + s] += c.weight * (c.covariance[r * d + s] + (c.mean[r] - mean[r]) * (c.mean[s] - mean[s]));
  return symmetricEigen(engine.backend, cov, d).vectors;
}

/**
 * Eigenvectors (columns, by decreasing eigenvalue) and eigenvalues of a symmetric PSD matrix:
 * U and S of its SVD.
 */
export function symmetricEigen(backend: Backend, matrix: Float64Array, d: number): { vectors: Float64Array; values: Float64Array } {
  const { U, S } = svdOf(backend, matrix, d, d);
  return { vectors: U, values: S };
}

/** Mean and covariance (divisor n - 1) of n draws of dimension d, row-major. */
function drawMoments(name: string, samples: Float64Array, d: number): { mean: Float64Array; cov: Float64Array } {
  if (samples.length < 2 * d || samples.length % d !== 0) throw rangeError(`${name}.length`, `a multiple of dim (${d}), at least 2 draws`, samples.length);
  const n = samples.length / d;
  const mean = new Float64Array(d);
  for (let j = 0; j < n; j++) for (let i = 0; i < d; i++) mean[i] += samples[j * d + i] / n;
  const cov = new Float64Array(d * d);
  for (let j = 0; j < n; j++)
    for (let r = 0; r < d; r++) {
      const a = samples[j * d + r] - mean[r];
      if (!Number.isFinite(a)) throw rangeError(`${name}[${j * d + r}]`, "finite", samples[j * d + r]);
      for (let c = 0; c < d; c++) cov[r * d + c] += (a * (samples[j * d + c] - mean[c])) / (n - 1);
    }
  return { mean, cov };
}

/** rotationInit { samples }: the draws' principal axes O, and the mean and spread of O^T x. */
function drawsStart(name: string, value: unknown, d: number): DrawsStart {
  const samples = value instanceof Float64Array ? value : matrix(name, value, { cols: d }).data;
  const { mean, cov } = drawMoments(name, samples, d);
  // the eigenvalues are the variances along the axes; the JS kernels give the same bits as WASM
  const { vectors, values } = symmetricEigen(backendNow("js"), cov, d);
  const center = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let r = 0; r < d; r++) center[i] += vectors[r * d + i] * mean[r];
  // a spread of 0 (all draws on a hyperplane) would give a degenerate factor: floor it
  const floor = 1e-6 * Math.sqrt(Math.max(values[0], Number.MIN_VALUE));
  const scale = values.map((v) => Math.max(Math.sqrt(v), floor));
  return { rotation: vectors, center, scale };
}


interface RunResult {
  kl: number;
  factors: Float64Array;
  status: FitStatus;
  message: string;
  sweeps: number;
  trace: number[];
  backend: Backend;
}

async function oneRun(target: Target, config: CaviConfig, cfg: RoviConfig, start: RoviConfig["rotationInit"]): Promise<RunResult> {
  const engine = await Engine.create(target, config);
  const rotator = new Rotator(engine, cfg);
  try {
    const d = target.dim;
    const fromDraws = typeof start === "object" && !(start instanceof Float64Array) ? start : null;
    const rotation =
      start === "identity" ? identity(d) : start === "random" ? haar(engine, rotator) : start === "pca" ? mixtureAxes(target as GaussianMixture, engine) : fromDraws ? fromDraws.rotation : (start as Float64Array);
    rotator.set(rotation);
    const first = cfg.betas[0];
    const guess = fromDraws && config.init === "auto" && !config.bounds ? fromDraws : initialGuess(target, rotation, config, "moments");
    // a tempered start is broader: pi^beta spreads a Gaussian by 1 / sqrt(beta)
    engine.initFactors(guess.center, guess.scale.map((s) => s / Math.sqrt(first)));
    const trace: number[] = [];
    let sweeps = 0;
    let last = { status: "maxSweeps" as FitStatus, message: "", sweeps: 0 };
    for (let stage = 0; stage < cfg.betas.length; stage++) {
      const beta = cfg.betas[stage];
      const final = stage === cfg.betas.length - 1;
      engine.setBeta(beta);
      const cycles = final ? Infinity : cfg.cyclesPerStage;
      for (let cycle = 0; cycle < cycles; cycle++) {
        const budget = Math.min(cfg.rotationEvery, config.maxSweeps - sweeps);
        if (budget <= 0) return finish(engine, { status: "maxSweeps", message: `no convergence in ${config.maxSweeps} sweeps`, sweeps }, trace);
        last = await runSweeps(engine, config, budget, trace, { beta });
        sweeps += last.sweeps;
        if (last.status === "aborted" || last.status === "diverged") return finish(engine, { ...last, sweeps }, trace);
        const factorsSettled = last.status === "converged";
        // the rotation phase: Procrustes steps for the current factors until O settles
        let moved = 0;
        for (let step = 0; step < cfg.rotationSteps; step++) {
          const m = rotator.step(step === 0);
          if (step === 0) moved = m;
          if (m < cfg.rotationTol) break;
        }
        if (factorsSettled && moved < cfg.rotationTol) {
          if (final) return finish(engine, { status: "converged", message: "", sweeps }, trace);
          break;
        }
      }
    }
    return finish(engine, { ...last, sweeps }, trace);
  } finally {
    rotator.dispose();
    engine.dispose();
  }
}

function finish(engine: Engine, run: { status: FitStatus; message: string; sweeps: number }, trace: number[]): RunResult {
  engine.setBeta(1);
  return {
    kl: run.status === "diverged" ? NaN : engine.evaluateKl(),
    factors: engine.snapshot(),
    status: run.status,
    message: run.message,
    sweeps: run.sweeps,
    trace,
    backend: engine.backend,
  };
}

/**
 * Rotational variational inference: argmin KL(O_# mu || pi) over product measures mu and
 * orthogonal O, by CAVI sweeps alternating with Procrustes steps on O, under a tempering
 * schedule that lets the rotation see the whole target before beta reaches 1.
 */
export async function rovi(target: Target, opts?: RoviOptions): Promise<Approximation> {
  const raw = options("options", opts);
  const config = parseCaviOptions(target, opts, ROVI_KEYS);
  checkRanges(config);
  knownKeys("options", raw, [...CAVI_KEYS, ...ROVI_KEYS]);
  const cfg = parseRoviOptions(target, raw);
  const runs: RunResult[] = [];
  for (let r = 0; r < cfg.restarts; r++) {
    const seed = config.seed.lo + r; // restarts differ in seed (low word) and start
    const c = { ...config, seed: { lo: seed | 0, hi: config.seed.hi } };
    runs.push(await oneRun(target, c, cfg, r === 0 ? cfg.rotationInit : "random"));
    if (runs[runs.length - 1].status === "aborted") break;
  }
  const ok = runs.filter((r) => !Number.isNaN(r.kl));
  const best = (ok.length ? ok : runs).reduce((a, b) => (b.kl < a.kl ? b : a));
  return new Approximation({
    method: "rovi",
    backend: best.backend.name,
    factors: best.factors,
    kl: best.kl,
    normalized: target.normalized,
    sweeps: best.sweeps,
    status: best.status,
    message: best.message,
    trace: Float64Array.from(best.trace),
    runs: Float64Array.from(runs, (r) => r.kl),
  });
}

/**
 * The principal axes of draws (n x d row-major): the eigenvectors of their covariance as the
 * columns of an orthogonal d x d matrix, by decreasing variance. A starting rotation for
 * rovi() from exploratory draws (e.g. from lmc()).
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
