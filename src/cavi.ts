// The coordinate-ascent engine shared by mfvi() and rovi(): one workspace in one backend's
// memory, driven sweep by sweep. Built-in mixtures run a whole sweep per kernel call; other
// targets alternate kernel (line points, reduction) and one batched call of the user's density.
import { getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import * as P from "./generated/portable/index.js";
import { CustomTarget, GaussianMixture, isTarget, type Target } from "./targets.js";
import {
  Described,
  finite,
  integer,
  knownKeys,
  oneOf,
  options,
  rangeError,
  seedOption, backendOption, callbackOption, signalOption,
  typeError,
  vector,
} from "./validate.js";

/** Per-sweep report passed to `onProgress`. */
export interface ProgressInfo {
  sweep: number;
  /** KL estimate after this sweep (see Approximation.kl). */
  kl: number;
  /** Largest total-variation change of a factor in this sweep. */
  maxChange: number;
  /** For RoVI: the current tempering exponent beta. */
  beta?: number;
}

export interface CaviOptions {
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same bits. */
  backend?: BackendName;
  /** Seed of the sampling design and of automatic initialisation (integer in [0, 2^53)); default 0. */
  seed?: number;
  /** Cells per factor grid; default 256. */
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
  /** Draws for the final KL estimate in 'sampled' quadrature; default 32768. */
  klSamples?: number;
  /** Fixed grids [lo, hi] per coordinate (no adaptation). Coordinates are the factors' (y = O^T x). */
  bounds?: readonly (readonly [number, number])[];
  /** Called after every sweep. */
  onProgress?: (info: ProgressInfo) => void;
  /** Aborts the fit; the result then has status 'aborted'. */
  signal?: AbortSignal;
}

export const CAVI_KEYS = [
  "backend",
  "seed",
  "gridSize",
  "samples",
  "quadrature",
  "maxSweeps",
  "tol",
  "damping",
  "init",
  "bounds",
  "klSamples",
  "onProgress",
  "signal",
] as const;

export interface CaviConfig {
  backend: BackendName | undefined;
  seed: { lo: number; hi: number };
  gridSize: number;
  samples: number;
  exact: boolean;
  maxSweeps: number;
  tol: number;
  damping: number;
  init: { center: Float64Array; scale: Float64Array } | "auto";
  bounds: Float64Array | null;
  klSamples: number;
  onProgress: ((info: ProgressInfo) => void) | null;
  signal: AbortSignal | null;
}

function perCoordinate(name: string, value: unknown, d: number, positive: boolean): Float64Array {
  const v = typeof value === "number" ? Float64Array.from({ length: d }, () => finite(name, value)) : vector(name, value, d);
  if (positive) v.forEach((x, i) => {
    if (!(x > 0)) throw rangeError(typeof value === "number" ? name : `${name}[${i}]`, "positive", x);
  });
  return v;
}

/** Validates the options mfvi() and rovi() share; `extra` are the caller's own keys. */
export function parseCaviOptions(target: unknown, opts: unknown, extra: readonly string[] = []): CaviConfig {
  if (!isTarget(target)) throw typeError("target", "a target made by gaussian(), gaussianMixture() or customTarget()", target);
  const d = target.dim;
  const o = options("options", opts);
  knownKeys("options", o, [...CAVI_KEYS, ...extra]);
  const quadrature = o.quadrature === undefined ? (d <= 2 ? "exact" : "sampled") : oneOf("options.quadrature", o.quadrature, ["exact", "sampled"] as const);
  if (quadrature === "exact" && d > 3) throw rangeError("options.quadrature", "'sampled' when the dimension exceeds 3 ('exact' sums over G^(d-1) cells)", "exact");
  const gridSize = o.gridSize === undefined ? 256 : integer("options.gridSize", o.gridSize, 16, 65536);
  if (quadrature === "exact" && target instanceof CustomTarget && gridSize ** d > 2 ** 22)
    throw rangeError("options.gridSize", `at most ${Math.floor(2 ** (22 / d))} for exact quadrature of a ${d}-D custom target (G^d points per update)`, gridSize);
  let init: CaviConfig["init"] = "auto";
  if (o.init !== undefined && o.init !== "auto") {
    const i = options("options.init", o.init);
    knownKeys("options.init", i, ["center", "scale"]);
    init = { center: perCoordinate("options.init.center", i.center, d, false), scale: perCoordinate("options.init.scale", i.scale, d, true) };
  }
  let bounds: Float64Array | null = null;
  if (o.bounds !== undefined) {
    if (!Array.isArray(o.bounds)) throw typeError("options.bounds", "an array of [lo, hi] pairs, one per coordinate", o.bounds);
    if (o.bounds.length !== d) throw rangeError("options.bounds", `${d} pairs, one per coordinate`, o.bounds);
    bounds = new Float64Array(2 * d);
    o.bounds.forEach((b: unknown, i: number) => {
      const pair = vector(`options.bounds[${i}]`, b, 2);
      if (!(pair[1] > pair[0])) throw rangeError(`options.bounds[${i}]`, "[lo, hi] with lo < hi", new Described(`[${pair[0]}, ${pair[1]}]`));
      bounds!.set(pair, 2 * i);
    });
  }
  return {
    backend: backendOption("options.backend", o.backend),
    seed: seedOption("options.seed", o.seed),
    gridSize,
    samples: o.samples === undefined ? 128 : integer("options.samples", o.samples, 2, 1_000_000),
    exact: quadrature === "exact",
    maxSweeps: o.maxSweeps === undefined ? 200 : integer("options.maxSweeps", o.maxSweeps, 1, 1e7),
    tol: o.tol === undefined ? 1e-4 : finite("options.tol", o.tol),
    damping: o.damping === undefined ? 0 : finite("options.damping", o.damping),
    init,
    bounds,
    klSamples: o.klSamples === undefined ? 32768 : integer("options.klSamples", o.klSamples, 16, 1e9),
    onProgress: callbackOption<NonNullable<CaviConfig["onProgress"]>>("options.onProgress", o.onProgress),
    signal: signalOption("options.signal", o.signal),
  };
}

/** Checks the numeric ranges parseCaviOptions leaves to this point (tol, damping). */
export function checkRanges(c: CaviConfig): void {
  if (!(c.tol > 0)) throw rangeError("options.tol", "positive", c.tol);
  if (!(c.damping >= 0 && c.damping < 1)) throw rangeError("options.damping", "in [0, 1)", c.damping);
}

/** Gives the event loop a turn now and then, so an AbortSignal can fire and pages can paint. */
export function makeYielder(everyMs = 8): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}

const EDGE_MASS = 1e-9;

/** One fit's state in one backend: workspace, RNG, and the target's buffers. */
export class Engine {
  readonly d: number;
  readonly G: number;
  readonly ws: Buffer<Float64Array>;
  readonly rng: Buffer<Int32Array>;
  private readonly mixture: GaussianMixture | null;
  private readonly scratch = new Map<string, Buffer<Float64Array>>();
  /** The last sweep saw the current factors and rotation (so its E_mu[V] is current). */
  private swept = false;

  private constructor(
    readonly backend: Backend,
    readonly target: Target,
    readonly config: CaviConfig,
  ) {
    this.d = target.dim;
    this.G = config.gridSize;
    this.mixture = target instanceof GaussianMixture ? target : null;
    const K = this.mixture ? this.mixture.components.length : 0;
    const S = config.exact ? this.G ** (this.d - 1) : config.samples;
    this.ws = backend.f64(P.mfviSize(this.d, this.G, S, K));
    this.rng = backend.i32(4);
    const k = backend.kernels;
    k.mfviInit(this.ws.handle, this.d, this.G, S, K, 1, config.damping, config.exact ? 1 : 0, EDGE_MASS);
    k.seedStreams(this.rng.handle, config.seed.lo, config.seed.hi, 1);
    if (!config.exact) k.mfviDesign(this.ws.handle, this.rng.handle, 0);
  }

  static async create(target: Target, config: CaviConfig): Promise<Engine> {
    return new Engine(await getBackend(config.backend), target, config);
  }

  /** A scratch buffer of this backend, kept (and grown) for the fit. */
  buffer(key: string, length: number): Buffer<Float64Array> {
    let b = this.scratch.get(key);
    if (b === undefined || b.length < length) {
      if (b !== undefined) this.backend.free(b);
      b = this.backend.f64(Math.max(1, length));
      this.scratch.set(key, b);
    }
    return b;
  }

  header(slot: number): number {
    return this.ws.view[slot];
  }

  setBeta(beta: number): void {
    this.ws.view[P.H_BETA] = beta;
  }

  /** Sets O (d x d row-major) and, for mixtures, the whitened rotation W_k = L_k^-1 O. */
  setRotation(rotation: Float64Array): void {
    this.swept = false;
    const at = this.ws.view[P.O_ROT];
    this.ws.view.set(rotation, at);
    if (this.mixture) this.backend.kernels.mfviSetTarget(this.ws.handle, this.mixture.workspace(this.backend).get("descriptor", 0).handle);
  }

  get rotation(): Float64Array {
    const at = this.ws.view[P.O_ROT];
    return this.ws.view.slice(at, at + this.d * this.d);
  }

  /** Starting factors: the user's init or bounds, else automatic (see initialGuess). */
  initFactors(center: Float64Array, scale: Float64Array): void {
    this.swept = false;
    for (let i = 0; i < this.d; i++) this.backend.kernels.mfviInitFactor(this.ws.handle, i, center[i], scale[i]);
  }

  /**
   * One sweep. Returns 0, or a kernel failure code: -1 the density gave NaN, -2 it is zero on
   * a whole grid.
   */
  sweep(): number {
    const k = this.backend.kernels;
    const adaptive = this.config.bounds === null;
    const code =
      this.mixture && adaptive
        ? k.mfviSweepMixture(this.ws.handle, this.mixture.workspace(this.backend).get("descriptor", 0).handle)
        : this.genericSweep(adaptive);
    this.swept = code === 0;
    return code;
  }

  private genericSweep(adaptive: boolean): number {
    const k = this.backend.kernels;
    const ws = this.ws.handle;
    k.mfviBeginSweep(ws);
    for (let i = 0; i < this.d; i++) {
      k.mfviBeginCoordinate(ws, i);
      for (let attempt = 0; ; attempt++) {
        if (this.config.exact) k.mfviExactSamples(ws, i);
        this.expectation(i);
        const r = k.mfviFinishCoordinate(ws, i, adaptive && attempt < P.MAX_ADAPT ? 1 : 0);
        if (r < 0) return r;
        if (r === 0) break;
      }
    }
    k.mfviEndSweep(ws);
    return 0;
  }

  private expectation(i: number): void {
    const k = this.backend.kernels;
    if (this.mixture) {
      k.mfviMixtureExpectation(this.ws.handle, this.mixture.workspace(this.backend).get("descriptor", 0).handle, i);
      return;
    }
    const n = this.header(P.H_SEFF) * this.G;
    const X = this.buffer("X", n * this.d);
    k.mfviLinePoints(this.ws.handle, i, X.handle);
    const logp = this.buffer("logp", n);
    this.logDensity(X, n, logp);
    k.mfviGenericExpectation(this.ws.handle, logp.handle);
  }

  /** log pi at n points held in a buffer of this backend, into `out`. */
  logDensity(X: Buffer<Float64Array>, n: number, out: Buffer<Float64Array>): void {
    if (this.mixture) {
      const w = this.mixture.workspace(this.backend);
      const work = w.get("work", this.mixture.components.length + this.d);
      this.backend.kernels.mixtureLogDensity(w.get("descriptor", 0).handle, X.handle, n, out.handle, work.handle);
      return;
    }
    const points = X.view.slice(0, n * this.d); // a copy: the user's code may grow WASM memory
    const values = new Float64Array(n);
    (this.target as CustomTarget).logDensityBatch(points, values);
    out.view.set(values);
  }

  /** log pi and grad log pi at n points held in buffers of this backend. */
  gradLogDensity(X: Buffer<Float64Array>, n: number, logp: Buffer<Float64Array>, grad: Buffer<Float64Array>): void {
    if (this.mixture) {
      const w = this.mixture.workspace(this.backend);
      const K = this.mixture.components.length;
      const work = w.get("gradWork", K + K * this.d);
      this.backend.kernels.mixtureGradLogDensity(w.get("descriptor", 0).handle, X.handle, n, logp.handle, grad.handle, work.handle);
      return;
    }
    const points = X.view.slice(0, n * this.d);
    const g = (this.target as CustomTarget).gradLogDensityBatch(points);
    const l = (this.target as CustomTarget).logDensityBatch(points);
    grad.view.set(g);
    logp.view.set(l);
  }

  /** The KL estimate after a sweep (cheap): E_mu[V] from the sweep's last update, minus entropies. */
  klAfterSweep(): number {
    return this.header(P.H_EV) - this.header(P.H_ENTROPY);
  }

  /**
   * The KL of the current factors, without changing them: E_mu[V] - sum_i H(mu_i). In exact
   * quadrature E_mu[V] is the exact sum over the grids (averaged over the coordinates it is
   * integrated along). In sampled quadrature it is the average of V over `klSamples` exact
   * draws (Latin-hypercube in blocks of 2048, so the additive part of V is nearly free of
   * noise): the fit's design is too small for an estimate and its midpoints would understate
   * the factors' tails.
   */
  evaluateKl(): number {
    const k = this.backend.kernels;
    const h = k.mfviEndSweep(this.ws.handle);
    // exact quadrature: the last update's sum_k p_k e_k is E_mu[V] exactly, if nothing changed since
    if (this.config.exact && this.swept) return this.header(P.H_EV) - h;
    let ev = 0;
    if (this.config.exact) {
      for (let i = 0; i < this.d; i++) {
        k.mfviExactSamples(this.ws.handle, i);
        this.expectation(i);
        ev += k.mfviExpectedPotential(this.ws.handle, i);
      }
      return ev / this.d - h;
    }
    const total = this.config.klSamples;
    const block = Math.min(2048, total);
    const y = this.buffer("klY", block * this.d);
    const x = this.buffer("klX", block * this.d);
    const logp = this.buffer("klLogp", block);
    for (let done = 0; done < total; done += block) {
      const n = Math.min(block, total - done);
      k.mfviSample(this.ws.handle, this.rng.handle, n, 1, y.handle, x.handle);
      this.logDensity(x, n, logp);
      ev += k.meanPotential(logp.handle, n) * n; // the sum of V over the block
    }
    return ev / total - h;
  }

  /** Largest factor change (total variation) in the last sweep. */
  get maxChange(): number {
    return this.header(P.H_MAXTV);
  }

  /** A compact copy of the factors and rotation (the mfviInit layout with S = K = 0). */
  snapshot(): Float64Array {
    const d = this.d;
    const G = this.G;
    const out = new Float64Array(P.mfviSize(d, G, 0, 0));
    P.mfviInit(out, d, G, 0, 0, 1, 0, 0, EDGE_MASS);
    const v = this.ws.view;
    for (const [slot, length] of [
      [P.O_LO, d],
      [P.O_H, d],
      [P.O_P, d * G],
      [P.O_CUM, d * (G + 1)],
      [P.O_ROT, d * d],
    ]) {
      out.set(v.subarray(v[slot], v[slot] + length), out[slot]);
    }
    return out;
  }

  dispose(): void {
    this.backend.free(this.ws);
    this.backend.free(this.rng);
    for (const b of this.scratch.values()) this.backend.free(b);
    this.scratch.clear();
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

export const STATUS_MESSAGES: Record<number, string> = {
  [-1]: "the target's log density was NaN at a grid point",
  [-2]: "the target's density is zero on a whole factor grid",
};
