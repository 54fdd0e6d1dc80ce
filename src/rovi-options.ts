// RoVI's own options (beside the CAVI ones it shares with mfvi) and their checks.
import { backendNow } from "./backend.js";
import { symmetricEigen } from "./rotation.js";
import * as P from "./generated/portable/index.js";
import type { CaviOptions } from "./cavi.js";
import { CustomTarget, GaussianMixture, type Target } from "./targets.js";
import { Described, finite, integer, knownKeys, matrix, oneOf, options, rangeError, typeError } from "./validate.js";

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
  /**
   * @internal Runs only restarts [first, end) of the `restarts`-restart fit, with the bits
   * they have in the whole fit (so restarts can be split over workers and merged in order).
   */
  restartBlock?: readonly [number, number];
}

export const ROVI_KEYS = ["rotationInit", "restarts", "temper", "rotationEvery", "rotationSteps", "rotationSamples", "rotationTol", "cyclesPerStage", "procrustes", "restartBlock"];

/** A start from exploratory draws: their principal axes, and their moments along them. */
export interface DrawsStart {
  rotation: Float64Array;
  center: Float64Array;
  scale: Float64Array;
}

export interface RoviConfig {
  rotationInit: "identity" | "random" | "pca" | Float64Array | DrawsStart;
  restarts: number;
  /** The restarts this fit runs: [first, end) of restarts (all of them unless restartBlock). */
  first: number;
  end: number;
  betas: number[];
  rotationEvery: number;
  rotationSteps: number;
  rotationSamples: number;
  rotationTol: number;
  cyclesPerStage: number;
  maxBacktracks: number;
}

export function parseRoviOptions(target: Target, opts: Record<string, unknown>): RoviConfig {
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
  const restarts = opts.restarts === undefined ? 1 : integer("options.restarts", opts.restarts, 1, 1000);
  let [first, end] = [0, restarts];
  if (opts.restartBlock !== undefined) {
    const b = opts.restartBlock;
    if (!Array.isArray(b) || b.length !== 2) throw typeError("options.restartBlock", "a pair [first, end] of restart indices", b);
    first = integer("options.restartBlock[0]", b[0], 0, restarts - 1);
    end = integer("options.restartBlock[1]", b[1], first + 1, restarts);
  }
  const cfg: RoviConfig = {
    rotationInit,
    restarts,
    first,
    end,
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


