// The coordinate-ascent engine shared by mfvi() and rovi(): one workspace in one backend's
// memory, driven sweep by sweep. Built-in mixtures run a whole sweep per kernel call; other
// targets alternate kernels (line points, reduction) and batched calls of the user's density.
import type { ApproximationParts } from "./approximation.js";
import { checkFactors, klErrorWarning } from "./checks.js";
import { BufferSet, getBackend, type Backend, type Buffer } from "./backend.js";
import type { Status, StepperStatus } from "./core/driver.js";
import { Evaluator } from "./core/evaluator.js";
import { caviCaps, CONTROL_KEYS, controlOptions, factorStart, targetArgument, type ControlConfig } from "./core/options.js";
import { EDGE_MASS, MfviView } from "./core/views.js";
import * as P from "./generated/portable/index.js";
import { cellIntegratedPotential, sampledPotential } from "./kl.js";
import { GaussianMixture, type Target } from "./targets.js";
import { Described, finite, integer, knownKeys, oneOf, options, positive, rangeError, seed as seedValue, typeError, vector } from "./validate.js";

/** What a CAVI fit reports after each sweep (and onProgress receives). */
export interface ProgressInfo {
  /** Sweeps done (gaussianMfvi: Adam iterations done). */
  sweep: number;
  /** KL estimate after this sweep (see Approximation.kl). */
  kl: number;
  /** Largest total-variation change of a factor in this sweep. */
  maxChange: number;
  /** For RoVI: the current tempering exponent beta. */
  beta?: number;
  /** The fit's status after this step: 'running' until the last one. */
  status: StepperStatus;
}

export interface CaviOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same bits. */
  backend?: "wasm" | "js";
  /** Seed of the sampling design and of automatic initialisation (integer in [0, 2^53)); default 0. */
  seed?: number;
  /** Cells per factor grid, 16 to 65536; default 256. Exact quadrature sums over G^(d-1) cells: at most 2^20 of them. */
  gridSize?: number;
  /** Samples of the other coordinates per expectation ('sampled' quadrature); default 128. */
  samples?: number;
  /** 'exact' sums over the other grids (d <= 3); 'sampled' uses a Latin-hypercube design. Default: exact for d <= 2. */
  quadrature?: "exact" | "sampled";
  /** Most sweeps; default 200. */
  maxSweeps?: number;
  /** Converged when no factor changes by more than tol in total variation over a sweep; default 1e-4. */
  tol?: number;
  /** Keep this fraction of the old factor in each update, in [0, 1); default 0. */
  damping?: number;
  /** Starting factors N(center_i, scale_i^2) (numbers apply to every coordinate), or 'auto' (default). */
  init?: "auto" | { center: number | readonly number[]; scale: number | readonly number[] };
  /**
   * Draws for the final KL estimate in 'sampled' quadrature (in at least 8 blocks, for its
   * standard error); also in 'exact' quadrature once `signal` is aborted: an exact KL of more
   * than 65536 points then stops at its next batch of them and is estimated from these draws
   * instead (a warning says so). Default 32768.
   */
  klSamples?: number;
  /** Seed of those draws (integer in [0, 2^53)); default: `seed`. */
  klSeed?: number;
  /** Fixed grids [lo, hi] per coordinate (no adaptation). Coordinates are the factors' (y = O^T x). */
  bounds?: readonly (readonly [number, number])[];
  /** Called after every sweep; a returned promise is awaited. */
  onProgress?: (info: ProgressInfo) => unknown;
  /** Aborts the fit; the result then has status 'aborted'. */
  signal?: AbortSignal;
}

export const CAVI_KEYS = [...CONTROL_KEYS, "gridSize", "samples", "quadrature", "maxSweeps", "tol", "damping", "init", "bounds", "klSamples", "klSeed"] as const;

export interface CaviConfig extends ControlConfig<ProgressInfo> {
  gridSize: number;
  samples: number;
  exact: boolean;
  maxSweeps: number;
  tol: number;
  damping: number;
  init: { center: Float64Array; scale: Float64Array } | "auto";
  bounds: Float64Array | null;
  klSamples: number;
  klSeed: { lo: number; hi: number };
}

function boundsOption(value: unknown, d: number): Float64Array {
  if (!Array.isArray(value)) throw typeError("options.bounds", "an array of [lo, hi] pairs, one per coordinate", value);
  if (value.length !== d) throw rangeError("options.bounds", `${d} pairs, one per coordinate`, value);
  const bounds = new Float64Array(2 * d);
  value.forEach((b: unknown, i: number) => {
    const pair = vector(`options.bounds[${i}]`, b, 2);
    if (!(pair[1] > pair[0])) throw rangeError(`options.bounds[${i}]`, "[lo, hi] with lo < hi", new Described(`[${pair[0]}, ${pair[1]}]`));
    bounds.set(pair, 2 * i);
  });
  return bounds;
}

/** Validates the options mfvi() and rovi() share; `extra` are the caller's own keys. */
export function parseCaviOptions(target: unknown, opts: unknown, extra: readonly string[] = []): CaviConfig {
  const t = targetArgument(target);
  const d = t.dim;
  const o = options("options", opts);
  knownKeys("options", o, [...CAVI_KEYS, ...extra]);
  const quadrature = o.quadrature === undefined ? (d <= 2 ? "exact" : "sampled") : oneOf("options.quadrature", o.quadrature, ["exact", "sampled"] as const);
  if (quadrature === "exact" && d > 3) throw rangeError("options.quadrature", "'sampled' when the dimension exceeds 3 ('exact' sums over G^(d-1) cells)", "exact");
  const gridSize = o.gridSize === undefined ? 256 : integer("options.gridSize", o.gridSize, 16, 65536);
  const samples = o.samples === undefined ? 128 : integer("options.samples", o.samples, 2, 1_000_000);
  caviCaps(t, quadrature === "exact", gridSize);
  const tol = o.tol === undefined ? 1e-4 : positive("options.tol", o.tol);
  const damping = o.damping === undefined ? 0 : finite("options.damping", o.damping);
  if (!(damping >= 0 && damping < 1)) throw rangeError("options.damping", "in [0, 1)", damping);
  return {
    ...controlOptions<ProgressInfo>(o),
    gridSize,
    samples,
    exact: quadrature === "exact",
    maxSweeps: o.maxSweeps === undefined ? 200 : integer("options.maxSweeps", o.maxSweeps, 1, 1e7),
    tol,
    damping,
    init: o.init === undefined || o.init === "auto" ? "auto" : factorStart("options.init", o.init, d),
    bounds: o.bounds === undefined ? null : boundsOption(o.bounds, d),
    klSamples: o.klSamples === undefined ? 32768 : integer("options.klSamples", o.klSamples, 16, 1e9),
    klSeed: o.klSeed === undefined ? seedValue("options.seed", o.seed === undefined ? 0 : o.seed) : seedValue("options.klSeed", o.klSeed),
  };
}

/** Engine.sweep's code for a sweep stopped by options.signal (the workspace restored). */
const ABORTED = -100;
/** Coordinates of line points a custom target gets per call (a sample's whole line at least). */
const LINE_BATCH = 1 << 16;

export const STATUS_MESSAGES: Record<number, string> = {
  [-1]: "the target's log density was NaN at a grid point",
  [-2]: "the target's density is zero on a whole factor grid",
  [-3]: "a factor's grid would have to widen past the largest finite number: the target's mass does not fall off along it (is exp(log pi) integrable?)",
};

/** Streams of options.klSeed: one to compare restarts on common draws, one for the reported KL. */
export const KL_COMPARE = 0x3c6ef372;
export const KL_REPORT = 0x5be0cd19;

/** How a sweep ended the fit, or null when the fit goes on. */
export type SweepEnd = { status: Status; message: string } | null;

/** One fit's state in one backend: workspace, RNG, and the target's evaluator. */
export class Engine {
  readonly d: number;
  readonly G: number;
  readonly view: MfviView;
  readonly rng: Buffer<Int32Array>;
  readonly evaluator: Evaluator;
  /** The fit's buffers (the engine's own, and scratch for whoever drives it). */
  readonly bufs: BufferSet;
  /** The KL estimate after each sweep. */
  readonly trace: number[] = [];
  /** The generator of the KL's draws, seeded afresh for every evaluation. */
  private readonly klRng: Buffer<Int32Array>;

  private constructor(
    readonly backend: Backend,
    readonly target: Target,
    readonly config: CaviConfig,
  ) {
    this.d = target.dim;
    this.G = config.gridSize;
    this.bufs = new BufferSet(backend);
    this.evaluator = new Evaluator(backend, target);
    const K = this.evaluator.components;
    const S = config.exact ? this.G ** (this.d - 1) : config.samples;
    this.view = new MfviView(this.bufs.f64(P.mfviSize(this.d, this.G, S, K)));
    this.rng = this.bufs.i32(4);
    this.klRng = this.bufs.i32(4);
    const k = backend.kernels;
    const ws = this.view.buffer.handle;
    k.mfviInit(ws, this.d, this.G, S, K, 1, config.damping, config.exact ? 1 : 0, EDGE_MASS);
    k.seedStreams(this.rng.handle, config.seed.lo, config.seed.hi, 1);
    if (!config.exact) k.mfviDesign(ws, this.rng.handle, 0);
  }

  static async create(target: Target, config: CaviConfig): Promise<Engine> {
    return new Engine(await getBackend(config.backend), target, config);
  }

  /** An engine on a backend already loaded. */
  static on(backend: Backend, target: Target, config: CaviConfig): Engine {
    return new Engine(backend, target, config);
  }

  private get ws() {
    return this.view.buffer.handle;
  }

  setBeta(beta: number): void {
    this.view.beta = beta;
  }

  /** Sets O (d x d row-major) and, for mixtures, the whitened rotation W_k = L_k^-1 O. */
  setRotation(rotation: Float64Array): void {
    this.view.rotation = rotation;
    if (this.evaluator.mixture) this.backend.kernels.mfviSetTarget(this.ws, this.evaluator.descriptor);
  }

  get rotation(): Float64Array {
    return this.view.rotation;
  }

  /** Factors N(center_i, scale_i^2) as histograms on uniform grids of center_i +- 8 scale_i. */
  initFactors(center: Float64Array, scale: Float64Array): void {
    for (let i = 0; i < this.d; i++) this.backend.kernels.mfviInitFactor(this.ws, i, center[i], scale[i]);
  }

  /**
   * A fit's starting factors: initFactors, then each on a grid placed for it as a sweep places
   * grids (temperFactors with ratio 1), so that the first sweep need not re-place every grid and
   * compute its update twice. Fixed grids (options.bounds) stay uniform.
   */
  startFactors(center: Float64Array, scale: Float64Array): void {
    this.initFactors(center, scale);
    this.temperFactors(1);
  }

  /** Factors taken over from another engine on the same target, rotation and backend, placed on this engine's grids (docs/algorithms.md §3, tempering). */
  transferFactors(from: Engine): void {
    for (let i = 0; i < this.d; i++) this.backend.kernels.mfviTransferFactor(this.ws, i, from.ws);
  }

  /**
   * Raises every factor to the power `ratio` = beta' / beta on grids placed anew for it: the
   * next tempering stage's first updates (log mu_i = -beta e_i) before e is recomputed, so that
   * its first sweep need not move the grids. Fixed grids (options.bounds) are left as they are.
   */
  temperFactors(ratio: number): void {
    if (this.config.bounds !== null) return;
    for (let i = 0; i < this.d; i++) this.backend.kernels.mfviTemperFactor(this.ws, i, ratio);
  }

  /**
   * One sweep. Returns 0, ABORTED, or a kernel failure code: -1 the density gave NaN, -2 it
   * is zero on a whole grid, -3 a grid cannot widen to hold its factor.
   */
  sweep(): number {
    const adaptive = this.config.bounds === null;
    const code = this.evaluator.mixture && adaptive ? this.backend.kernels.mfviSweepMixture(this.ws, this.evaluator.descriptor) : this.genericSweep(adaptive);
    return code;
  }

  /** A sweep with its checks, recorded in the trace: how it ended the fit, or null. */
  checkedSweep(): SweepEnd {
    const code = this.sweep();
    if (code === ABORTED) return { status: "aborted", message: "aborted by options.signal during a sweep (the result is the state before it)" };
    if (code !== 0) return { status: "diverged", message: STATUS_MESSAGES[code] ?? `kernel status ${code}` };
    const kl = this.klAfterSweep();
    this.trace.push(kl);
    if (!Number.isFinite(kl)) return { status: "diverged", message: `the KL estimate is ${kl}` };
    if (this.maxChange < this.config.tol) return { status: "converged", message: "" };
    return null;
  }

  private genericSweep(adaptive: boolean): number {
    const k = this.backend.kernels;
    const { signal } = this.config;
    // a sweep that calls the user's code can see an abort it makes: then back to the sweep's start
    const start = signal ? this.view.buffer.view.slice() : null;
    k.mfviBeginSweep(this.ws);
    for (let i = 0; i < this.d; i++) {
      k.mfviBeginCoordinate(this.ws, i);
      for (let attempt = 0; ; attempt++) {
        if (this.config.exact) k.mfviExactSamples(this.ws, i);
        if ((start && signal!.aborted) || !this.expectation(i)) {
          this.view.buffer.view.set(start!);
          return ABORTED;
        }
        const r = k.mfviFinishCoordinate(this.ws, i, adaptive && attempt < P.MAX_ADAPT ? 1 : 0);
        if (r < 0) return r;
        if (r === 0) break;
      }
    }
    k.mfviEndSweep(this.ws);
    return 0;
  }

  /** The expectations along coordinate i (O_E); false when options.signal aborted the user's code between two of its batches. */
  private expectation(i: number): boolean {
    const k = this.backend.kernels;
    if (this.evaluator.mixture) {
      k.mfviMixtureExpectation(this.ws, this.evaluator.descriptor, i);
      return true;
    }
    // the samples' lines in batches of about LINE_BATCH numbers, so that the points stay in
    // cache from the kernel that writes them through the host copy to the user's code
    const count = this.view.effectiveSamples;
    const perBatch = Math.min(count, Math.max(1, Math.floor(LINE_BATCH / (this.G * this.d))));
    const X = this.bufs.scratch("X", (perBatch * this.G + 1) * this.d); // and column i of O
    const logp = this.bufs.scratch("logp", perBatch * this.G);
    const { signal } = this.config;
    for (let from = 0; from < count; from += perBatch) {
      if (from > 0 && signal?.aborted) return false;
      const to = Math.min(count, from + perBatch);
      k.mfviLinePoints(this.ws, i, X.handle, from, to);
      this.evaluator.logDensity(X, (to - from) * this.G, logp);
      k.mfviGenericExpectation(this.ws, logp.handle, from, to);
    }
    return true;
  }

  /** The KL estimate after a sweep (cheap): E_mu[V] from the sweep's last update, minus entropies. */
  klAfterSweep(): number {
    return this.view.expectedPotential - this.view.entropy;
  }

  /**
   * The KL of the current factors as the Approximation holds them (histograms, uniform within
   * cells), without changing them: E_q[V] - sum_i H(mu_i). Exact quadrature integrates V over
   * every cell (kl.ts; error 0 reported); sampled quadrature averages V over `klSamples` exact
   * draws from the stream `stream` of options.klSeed, with its standard error. So does exact
   * quadrature once options.signal has stopped its sum (`stopped`).
   */
  evaluateKl(stream: number = KL_REPORT): { kl: number; klError: number; stopped?: true } {
    const k = this.backend.kernels;
    const h = k.mfviEndSweep(this.ws);
    const exact = this.config.exact ? cellIntegratedPotential(this.view.compact(), this.evaluator, this.bufs, this.config.signal, this.ws) : null;
    if (exact !== null) return { kl: exact - h, klError: 0 };
    const rng = this.klRng;
    k.seedStreams(rng.handle, this.config.klSeed.lo ^ stream, this.config.klSeed.hi, 1);
    const y = this.bufs.scratch("klY", Math.ceil(this.config.klSamples / 8) * this.d);
    const e = sampledPotential(
      this.config.klSamples,
      this.d,
      this.evaluator,
      this.bufs,
      (n, x) => k.mfviSample(this.ws, rng.handle, n, 1, y.handle, x.handle),
      (logp, n) => k.meanPotential(logp.handle, n),
    );
    return { kl: e.mean - h, klError: e.standardError, ...(this.config.exact ? { stopped: true as const } : {}) };
  }

  /** Largest factor change (total variation) in the last sweep. */
  get maxChange(): number {
    return this.view.maxChange;
  }

  /**
   * The Approximation parts of the current factors for a fit that ended (or stands) with
   * `status`: their KL evaluated (stream: see evaluateKl), the factor checks' warnings and
   * the caller's own.
   */
  report(r: { method: string; status: StepperStatus; message: string; iterations: number; warnings?: string[]; trace?: number[] }, stream = KL_REPORT): ApproximationParts {
    const { kl, klError, stopped } = r.status === "diverged" ? { kl: NaN, klError: NaN } : this.evaluateKl(stream);
    const factors = this.view.compact();
    const warnings = [...checkFactors(factors).warnings, ...(r.warnings ?? [])];
    if (stopped) warnings.push(`kl is a sampled estimate (options.klSamples = ${this.config.klSamples} draws): options.signal stopped the exact sum over the grids' cells`);
    const klWarning = klErrorWarning(kl, klError);
    if (klWarning) warnings.push(klWarning);
    const { method, status, message, iterations } = r;
    return { method, status, message, iterations, kl, klError, warnings, trace: Float64Array.from(r.trace ?? this.trace), backend: this.backend.name, factors, normalized: this.target.normalized };
  }

  /** 'converged' for factors that pass the sanity checks, else 'unreliable' with the reason. */
  settled(): { status: Status; message: string } {
    const { unreliable } = checkFactors(this.view.compact());
    return unreliable ? { status: "unreliable", message: unreliable } : { status: "converged", message: "" };
  }

  dispose(): void {
    this.evaluator.dispose();
    this.bufs.free();
  }
}

/**
 * Automatic starting factors in the coordinates y = O^T x. Mixtures: with the whole mixture's
 * spread along each coordinate, centred (`component`, MFVI's default) on one component drawn
 * by the seed with probability w_k, so the start favours one mode the way a user's guess
 * would, or (`moments`) on the mixture's mean. Other targets: N(0, 1), the grids then widen
 * to wherever the mass is.
 */
export function initialGuess(
  target: Target,
  rotation: Float64Array,
  config: CaviConfig,
  centre: "component" | "moments" = "component",
): { center: Float64Array; scale: Float64Array } {
  const d = target.dim;
  if (config.bounds) {
    const b = config.bounds;
    return {
      center: Float64Array.from({ length: d }, (_, i) => (b[2 * i] + b[2 * i + 1]) / 2),
      scale: Float64Array.from({ length: d }, (_, i) => (b[2 * i + 1] - b[2 * i]) / 16),
    };
  }
  if (config.init !== "auto") return config.init;
  if (!(target instanceof GaussianMixture)) return { center: new Float64Array(d), scale: new Float64Array(d).fill(1) };
  const comps = target.components;
  const rng = new Int32Array(4);
  P.seedStreams(rng, config.seed.lo ^ 0x5bd1e995, config.seed.hi, 1);
  let u = P.uniform(rng, 0);
  let pick = comps.length - 1;
  for (let k = 0; k < comps.length; k++) {
    if (u < comps[k].weight) {
      pick = k;
      break;
    }
    u -= comps[k].weight;
  }
  const mean = new Float64Array(d);
  comps.forEach((c) => c.mean.forEach((m, i) => (mean[i] += c.weight * m)));
  const center = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    // y_i = o_i . x with o_i the i-th column of O
    let c = 0;
    let second = 0;
    for (const comp of comps) {
      let m = 0;
      let v = 0;
      for (let r = 0; r < d; r++) {
        m += rotation[r * d + i] * comp.mean[r];
        for (let s = 0; s < d; s++) v += rotation[r * d + i] * comp.covariance[r * d + s] * rotation[s * d + i];
      }
      if (comp === comps[pick] && centre === "component") c = m;
      second += comp.weight * (v + m * m);
    }
    let mu = 0;
    for (let r = 0; r < d; r++) mu += rotation[r * d + i] * mean[r];
    center[i] = centre === "component" ? c : mu;
    scale[i] = Math.sqrt(Math.max(second - mu * mu, 1e-300));
  }
  return { center, scale };
}
