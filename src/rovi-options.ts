// RoVI's own options (beside the CAVI ones it shares with mfvi) and their checks.
import { backendNow } from "./backend.js";
import { symmetricEigen } from "./rotation.js";
import * as P from "./generated/portable/index.js";
import { parseCaviOptions, type CaviConfig, type CaviOptions, type ProgressInfo } from "./cavi.js";
import type { StepperStatus } from "./core/driver.js";
import { CustomTarget, GaussianMixture, type Target } from "./targets.js";
import { Described, finite, inRange, integer, knownKeys, matrix, MAX_VALUES, oneOf, options, positive, rangeError, typeError } from "./validate.js";

/**
 * Most coordinates of a RoVI fit: its rotation step takes the SVD of a dim x dim matrix, on
 * draws of rotationSamples x dim numbers (by default 128 dim^2: 2^25 at 512).
 */
export const MAX_ROVI_DIM = 512;

export interface TemperSchedule {
  /** First exponent beta of V_beta = beta V; default 0.05. */
  from?: number;
  /** Stages, geometric from `from` to 1; default 6. */
  stages?: number;
  /** Or the exponents themselves, increasing, ending at 1. */
  betas?: readonly number[];
  /**
   * Draws per rotation step in the tempered stages (beta < 1), which only steer O towards the
   * final stage's: default min(rotationSamples, max(1024, 32 dim)). The final stage (beta = 1)
   * always uses options.rotationSamples, so the rotation it settles on does not depend on this.
   */
  rotationSamples?: number;
  /**
   * Cells per factor grid in the tempered stages: an integer in [16, options.gridSize], default
   * min(64, options.gridSize). They only steer O; the final stage starts from their factors on
   * options.gridSize cells, its grids placed by the tempered factors' shapes; until then the
   * fit's factors (a stepper's current(), a fit stopped there, which warns) are on these
   * cells. Not with options.bounds (fixed grids).
   */
  gridSize?: number;
  /**
   * A tempered stage's rotation phase stops, and the stage may end, once a step moves O by
   * less than this (Frobenius): default max(options.rotationTol, 0.1 sqrt(dim / n)) with n =
   * temper.rotationSamples, a tenth of the sampling error of O on the stage's draws, below
   * which further steps only fit those draws' noise. The final stage uses options.rotationTol.
   */
  rotationTol?: number;
}

/** RoVI's own exploration (rotationInit 'explore'): a pilot MFVI fit, then Langevin chains from a box around it. */
export interface RoviExploreOptions {
  /** Langevin (ULA) chains, started uniformly in the box; 4 to 4096, default max(64, 4 dim). */
  chains?: number;
  /** ULA steps per chain; 1 to 1e6, default 400. */
  steps?: number;
  /** ULA step size; default 0.05 times the smallest variance of the pilot fit's factors. */
  step?: number;
}

export interface RoviOptions extends Omit<CaviOptions, "onProgress"> {
  /** Called after every step (the exploration's, then every sweep); a returned promise is awaited. */
  onProgress?: (info: RoviProgress) => unknown;
  /**
   * Starting rotation: 'pca' (the principal axes of a Gaussian mixture: eigenvectors of its
   * covariance), 'explore' (the principal axes of RoVI's own exploratory draws, see
   * `explore`), 'identity', 'random' (Haar), a d x d orthogonal matrix (within 1e-8), or
   * `{ samples }`: the principal axes of your exploratory draws (e.g. `lmc(...).samples`; rows
   * of length d, row-major or nested). From draws ('explore', `{ samples }`) the factors start
   * at the draws' means and spreads along those axes unless `init` or `bounds` says otherwise.
   * Default 'auto': 'pca' for mixtures, 'explore' for custom targets ('identity' with
   * `explore: false`).
   */
  rotationInit?: "auto" | "identity" | "random" | "pca" | "explore" | readonly (readonly number[])[] | Float64Array | { samples: Float64Array | readonly (readonly number[])[] };
  /**
   * The exploration behind rotationInit 'explore', run once per fit from `seed` before the
   * first sweep (onProgress reports it as phase 'explore'): a pilot MFVI fit (64 cells per
   * factor, 32 samples, at most 10 sweeps, tol 1e-2), then ULA chains started uniformly in the box mean
   * +- max(10 sd, |mean| + 1) around it, whose settled final states are the draws. `false`:
   * no exploration ('auto' then means 'identity' for custom targets).
   */
  explore?: RoviExploreOptions | false;
  /** Independent runs (restart r > 0 starts from a random rotation, seed + r); the lowest KL is kept. Default 1. */
  restarts?: number;
  /**
   * Tempering schedule; default on (6 stages from beta = 0.05), except from draws
   * (rotationInit 'explore' or `{ samples }`), which have seen the whole target already; false
   * turns it off.
   */
  temper?: boolean | TemperSchedule;
  /** Factor sweeps between rotation phases; default 1. */
  rotationEvery?: number;
  /** Procrustes steps at most per rotation phase (it stops early once O moves less than rotationTol); default 10. */
  rotationSteps?: number;
  /** Draws from mu per rotation step (gradient and objective) in the final stage (beta = 1; the tempered ones take temper.rotationSamples); default max(4096, 128 d): the step fits O to these draws, so they must far outnumber its d(d-1)/2 parameters. */
  rotationSamples?: number;
  /** The final stage (beta = 1) has settled when a rotation step moves O by less than this (Frobenius; the tempered stages: temper.rotationTol); default 1e-4. */
  rotationTol?: number;
  /** Rotation cycles (sweeps + step) at most per tempering stage before beta = 1; default 3. */
  cyclesPerStage?: number;
  /** Procrustes step control: the backtracking doubles c at most maxBacktracks times; default 40. */
  procrustes?: { maxBacktracks?: number };
  /**
   * @internal Runs only restarts [first, end) of the `restarts`-restart fit, with the bits
   * they have in the whole fit (so restarts can be split over workers and merged in order).
   */
  restartBlock?: readonly [number, number];
}

/** What a RoVI step reports (and onProgress receives): the exploration's steps, then the fit's sweeps. */
export type RoviProgress = ExploreProgress | (ProgressInfo & { phase: "fit" });

/** A step of the exploration (rotationInit 'explore'): a pilot sweep, then a Langevin step of every chain. */
export interface ExploreProgress {
  phase: "explore";
  /** Sweeps of the pilot MFVI fit so far. */
  pilotSweeps: number;
  /** Langevin steps done, of `steps`. */
  step: number;
  steps: number;
  status: StepperStatus;
}

export const ROVI_KEYS = ["rotationInit", "explore", "restarts", "temper", "rotationEvery", "rotationSteps", "rotationSamples", "rotationTol", "cyclesPerStage", "procrustes", "restartBlock"];

/** A start from exploratory draws: their principal axes, their moments along them, and the draws' mean and covariance. */
export interface DrawsStart {
  rotation: Float64Array;
  center: Float64Array;
  scale: Float64Array;
  mean: Float64Array;
  cov: Float64Array;
}

/** The exploration's settings (its seed and backend are the fit's). */
export interface ExploreSettings {
  chains: number;
  steps: number;
  step: number | undefined;
}

export interface RoviConfig {
  rotationInit: "identity" | "random" | "pca" | "explore" | Float64Array | DrawsStart;
  /** The exploration's settings (null: explore: false). */
  explore: ExploreSettings | null;
  restarts: number;
  /** The restarts this fit runs: [first, end) of restarts (all of them unless restartBlock). */
  first: number;
  end: number;
  betas: number[];
  rotationEvery: number;
  rotationSteps: number;
  rotationSamples: number;
  /** Draws per rotation step before the final stage (temper.rotationSamples). */
  temperedSamples: number;
  rotationTol: number;
  /** Cells per factor grid before the final stage (temper.gridSize). */
  temperedGrid: number;
  /** rotationTol before the final stage (temper.rotationTol). */
  temperedTol: number;
  cyclesPerStage: number;
  maxBacktracks: number;
}

/** A count of draws per rotation step: an integer in [2, 1e7] whose draws fit one buffer. */
function drawCount(name: string, value: unknown, d: number): number {
  const n = integer(name, value, 2, 1e7);
  if (n * d > MAX_VALUES) throw rangeError(name, `at most ${Math.floor(MAX_VALUES / d)} in dimension ${d} (${name.slice("options.".length)} x dim <= 2^26 numbers per buffer of draws)`, n);
  return n;
}

/** RoVI's own options; `grids` are the fit's parsed shared options (parsed here when not given). */
export function parseRoviOptions(target: Target, opts: Record<string, unknown>, grids: Pick<CaviConfig, "gridSize" | "bounds"> = parseCaviOptions(target, opts, ROVI_KEYS)): RoviConfig {
  const d = target.dim;
  // the work caps first: rotationInit's draws are decomposed below
  if (d > MAX_ROVI_DIM) throw rangeError("target.dim", `at most ${MAX_ROVI_DIM} for rovi (its rotation step takes the SVD of a dim x dim matrix)`, d);
  const rotationSamples = opts.rotationSamples === undefined ? Math.max(4096, 128 * d) : drawCount("options.rotationSamples", opts.rotationSamples, d);
  const explore = exploreSettings(opts.explore, d);
  let rotationInit: RoviConfig["rotationInit"] = target instanceof GaussianMixture ? "pca" : explore ? "explore" : "identity";
  const ri = opts.rotationInit;
  if (typeof ri === "string" && ri !== "auto") {
    rotationInit = oneOf("options.rotationInit", ri, ["identity", "random", "pca", "explore"] as const);
    if (rotationInit === "explore" && !explore) throw rangeError("options.rotationInit", "not 'explore' when options.explore is false", "explore");
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
  let temperedSamples = Math.min(rotationSamples, Math.max(1024, 32 * d));
  let temperedTol: number | undefined;
  const { gridSize, bounds } = grids;
  let temperedGrid = bounds === null ? Math.min(64, gridSize) : gridSize;
  // draws have seen the whole target already: what tempering is for
  const fromDraws = rotationInit === "explore" || (typeof rotationInit === "object" && !(rotationInit instanceof Float64Array));
  const temper = opts.temper === undefined ? !fromDraws : opts.temper;
  if (temper === true || (typeof temper === "object" && temper !== null)) {
    const t = temper === true ? {} : options("options.temper", temper);
    knownKeys("options.temper", t, ["from", "stages", "betas", "rotationSamples", "rotationTol", "gridSize"]);
    if (t.gridSize !== undefined) {
      if (bounds !== null) throw rangeError("options.temper.gridSize", "absent when options.bounds fixes the grids", t.gridSize);
      temperedGrid = integer("options.temper.gridSize", t.gridSize, 16, gridSize);
    }
    if (t.rotationSamples !== undefined) temperedSamples = drawCount("options.temper.rotationSamples", t.rotationSamples, d);
    if (t.rotationTol !== undefined) temperedTol = positive("options.temper.rotationTol", t.rotationTol);
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
  const restarts = opts.restarts === undefined ? 1 : integer("options.restarts", opts.restarts, 1, 1000);
  let [first, end] = [0, restarts];
  if (opts.restartBlock !== undefined) {
    const b = opts.restartBlock;
    if (!Array.isArray(b) || b.length !== 2) throw typeError("options.restartBlock", "a pair [first, end] of restart indices", b);
    first = integer("options.restartBlock[0]", b[0], 0, restarts - 1);
    end = integer("options.restartBlock[1]", b[1], first + 1, restarts);
  }
  const rotationTol = opts.rotationTol === undefined ? 1e-4 : positive("options.rotationTol", opts.rotationTol);
  const cfg: RoviConfig = {
    rotationInit,
    explore,
    restarts,
    first,
    end,
    betas,
    rotationEvery: opts.rotationEvery === undefined ? 1 : integer("options.rotationEvery", opts.rotationEvery, 1, 1e6),
    rotationSteps: opts.rotationSteps === undefined ? 10 : integer("options.rotationSteps", opts.rotationSteps, 1, 1e6),
    rotationSamples,
    temperedSamples,
    temperedGrid,
    rotationTol,
    temperedTol: temperedTol ?? Math.max(rotationTol, 0.1 * Math.sqrt(d / temperedSamples)),
    cyclesPerStage: opts.cyclesPerStage === undefined ? 3 : integer("options.cyclesPerStage", opts.cyclesPerStage, 1, 1e6),
    maxBacktracks: pro.maxBacktracks === undefined ? 40 : integer("options.procrustes.maxBacktracks", pro.maxBacktracks, 0, 1000),
  };
  if (target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", "a target with gradLogDensity (RoVI's rotation step needs the gradient)", "a customTarget without one");
  return cfg;
}

/** options.explore: its settings, or null for false. */
function exploreSettings(value: unknown, d: number): ExploreSettings | null {
  if (value === false) return null;
  if (value !== undefined && (typeof value !== "object" || value === null)) throw typeError("options.explore", "an object { chains, steps, step } or false", value);
  const e = options("options.explore", value);
  knownKeys("options.explore", e, ["chains", "steps", "step"]);
  return {
    chains: e.chains === undefined ? Math.min(4096, Math.max(64, 4 * d)) : integer("options.explore.chains", e.chains, 4, 4096),
    steps: e.steps === undefined ? 400 : integer("options.explore.steps", e.steps, 1, 1e6),
    step: e.step === undefined ? undefined : inRange("options.explore.step", e.step, 0, Infinity, { openMin: true }),
  };
}

/** Mean and covariance (divisor n - 1) of n draws of dimension d, row-major. */
export function drawMoments(name: string, samples: Float64Array, d: number): { mean: Float64Array; cov: Float64Array } {
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
  const worst = cov.findIndex((v) => !Number.isFinite(v));
  if (worst >= 0) throw rangeError(name, "draws whose covariance is finite (these overflow)", new Described(`covariance entry [${Math.floor(worst / d)}][${worst % d}] = ${cov[worst]}`));
  return { mean, cov };
}

/** rotationInit { samples } (and 'explore'): the draws' principal axes O, and the mean and spread of O^T x. */
export function drawsStart(name: string, value: unknown, d: number): DrawsStart {
  const samples = value instanceof Float64Array ? value : matrix(name, value, { cols: d }).data;
  const { mean, cov } = drawMoments(name, samples, d);
  // the eigenvalues are the variances along the axes; the JS kernels give the same bits as WASM
  const { vectors, values } = symmetricEigen(backendNow("js"), cov, d);
  const center = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let r = 0; r < d; r++) center[i] += vectors[r * d + i] * mean[r];
  return { rotation: vectors, center, scale: spreads(values), mean, cov };
}

/** Sds from variances, floored: a spread of 0 (all draws on a hyperplane) would give a degenerate factor. */
function spreads(variances: Float64Array): Float64Array {
  const floor = 1e-6 * Math.sqrt(Math.max(variances.reduce((m, v) => Math.max(m, v), 0), Number.MIN_VALUE));
  return variances.map((v) => Math.max(Math.sqrt(v), floor));
}

/** The draws' mean and spread along the columns of another rotation (a restart's random one). */
export function momentsAlong(start: DrawsStart, rotation: Float64Array, d: number): { center: Float64Array; scale: Float64Array } {
  const center = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let i = 0; i < d; i++)
    for (let r = 0; r < d; r++) {
      center[i] += rotation[r * d + i] * start.mean[r];
      for (let c = 0; c < d; c++) variance[i] += rotation[r * d + i] * start.cov[r * d + c] * rotation[c * d + i];
    }
  return { center, scale: spreads(variance) };
}
