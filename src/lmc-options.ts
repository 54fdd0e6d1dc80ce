// Langevin's options and result types, and their checks.
import type { BackendName } from "./backend.js";
import type { StepperStatus } from "./core/driver.js";
import { CONTROL_KEYS, controlOptions, targetArgument, type ControlConfig } from "./core/options.js";
import { boolean, Described, finite, integer, knownKeys, matrix, options, rangeError, typeError, vector } from "./validate.js";

export interface LmcOptions {
  /** Step size h > 0 (required): x <- x + h grad log pi(x) + sqrt(2 h) xi. */
  step: number;
  /** Steps per chain, burn-in included; default 1000. */
  steps?: number;
  /** Number of chains; default 100. */
  chains?: number;
  /** Integer in [0, 2^53); default 0. Chain j uses random stream j of this seed. */
  seed?: number;
  /**
   * Where the chains start: one point (length dim) shared by every chain (the paper's
   * "common start"), or one point per chain (chains x dim: nested arrays or row-major).
   * Default: the origin, for every chain.
   */
  init?: readonly number[] | readonly (readonly number[])[] | Float64Array;
  /** MALA (Metropolis-adjusted) instead of ULA; default false. */
  adjust?: boolean;
  /** Steps before the first recorded draw; default 0. */
  burnIn?: number;
  /**
   * Record every `thin`-th state after burn-in: draws at steps burnIn + thin, burnIn + 2 thin,
   * ... <= steps. Default steps - burnIn: one draw, the final state.
   */
  thin?: number;
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same bits. */
  backend?: BackendName;
  /** Called after every block of steps with the steps done so far; a returned promise is awaited. */
  onProgress?: (info: LmcProgress) => unknown;
  /** Stops the run early; the result then has status 'aborted'. */
  signal?: AbortSignal;
  /**
   * @internal Runs only chains [first, end) of the `chains`-chain run, with the same bits as
   * those chains have in the full run (so a run can be split over workers and merged in order).
   */
  chainBlock?: readonly [number, number];
}

/** What lmc reports after each block of steps (and onProgress receives). */
export interface LmcProgress {
  step: number;
  steps: number;
  status: StepperStatus;
}

/** 'completed' (every step run), 'diverged' (some chain left the finite numbers), 'aborted'; 'running' mid-run. */
export type LmcStatus = "completed" | "diverged" | "aborted" | "running";

export interface LmcResult {
  /** 'ula' or 'mala'. */
  readonly method: "ula" | "mala";
  readonly backend: BackendName;
  readonly dim: number;
  readonly chains: number;
  /** Draws recorded per chain: floor((steps - burnIn) / thin). */
  readonly draws: number;
  readonly steps: number;
  readonly step: number;
  readonly burnIn: number;
  readonly thin: number;
  /**
   * The recorded states, chain-major: samples[(j draws + k) dim + i] is coordinate i of chain
   * j's k-th draw (shape chains x draws x dim; with the default thin, chains x dim: the final
   * states). Draws a chain did not reach (divergence, abort) are NaN.
   */
  readonly samples: Float64Array;
  /** The state after the last step, chains x dim (NaN rows for diverged chains). */
  readonly state: Float64Array;
  /** Accepted proposals / proposals, over all chains and steps (ULA: 1 unless chains diverged). */
  readonly acceptanceRate: number;
  /** The same per chain. */
  readonly acceptance: Float64Array;
  /** 'completed'; 'diverged' when some ULA chain left the finite numbers; 'aborted' by options.signal or stop(); 'running' for a snapshot mid-run. */
  readonly status: LmcStatus;
  /** Number of diverged chains. */
  readonly diverged: number;
  /** Per chain: the step (1-based) at which it diverged, or -1. */
  readonly divergedAt: Int32Array;
  /** Steps done per chain (less than `steps` only when aborted). */
  readonly stepsDone: number;
  /** Why the status is not 'completed' ('' otherwise). */
  readonly message: string;
}

const KEYS = [...CONTROL_KEYS, "step", "steps", "chains", "init", "adjust", "burnIn", "thin", "chainBlock"] as const;
/** Largest chains x draws x dim (8 bytes each) kept in one kernel buffer. */
export const MAX_ENTRIES = 2 ** 26;

export interface LmcConfig extends ControlConfig<LmcProgress> {
  h: number;
  steps: number;
  chains: number;
  /** The run's first chain (chainBlock), whose random stream is stream `first` of the seed. */
  first: number;
  init: Float64Array;
  adjust: boolean;
  burnIn: number;
  thin: number;
  draws: number;
}

function parseInit(value: unknown, chains: number, d: number): Float64Array {
  const x = new Float64Array(chains * d);
  if (value === undefined) return x;
  const nested = Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
  if (nested) {
    x.set(matrix("options.init", value, { rows: chains, cols: d }).data);
    return x;
  }
  if (!Array.isArray(value) && !(value instanceof Float64Array))
    throw typeError("options.init", `a point (${d} numbers) or one point per chain (${chains} x ${d}, nested or row-major)`, value);
  if (value.length === d) {
    const p = vector("options.init", value, d);
    for (let j = 0; j < chains; j++) x.set(p, j * d);
    return x;
  }
  if (value.length !== chains * d)
    throw rangeError("options.init", `of length ${d} (one point for every chain) or ${chains * d} (${chains} chains x ${d}, row-major)`, value);
  x.set(vector("options.init", value, chains * d));
  return x;
}

export function parseLmcOptions(target: unknown, opts: unknown): LmcConfig {
  const d = targetArgument(target, "Langevin steps", Infinity).dim; // chains x draws x dim is capped below
  const o = options("options", opts);
  knownKeys("options", o, KEYS);
  if (o.step === undefined) throw typeError("options.step", "a positive number (the Langevin step size h; required)", o.step);
  const h = finite("options.step", o.step);
  if (!(h > 0)) throw rangeError("options.step", "> 0", h);
  const steps = o.steps === undefined ? 1000 : integer("options.steps", o.steps, 1, 2 ** 31 - 1);
  const chains = o.chains === undefined ? 100 : integer("options.chains", o.chains, 1, 2 ** 24);
  const burnIn = o.burnIn === undefined ? 0 : integer("options.burnIn", o.burnIn, 0, steps - 1);
  const thin = o.thin === undefined ? steps - burnIn : integer("options.thin", o.thin, 1, steps - burnIn);
  const draws = Math.floor((steps - burnIn) / thin);
  if (chains * Math.max(draws, 1) * d > MAX_ENTRIES)
    throw rangeError(
      o.thin === undefined ? "options.chains" : "options.thin",
      `such that chains x draws x dim <= ${MAX_ENTRIES}`,
      new Described(`${chains} x ${draws} x ${d} = ${chains * draws * d}`),
    );
  const adjust = o.adjust === undefined ? false : boolean("options.adjust", o.adjust);
  let [first, end] = [0, chains];
  if (o.chainBlock !== undefined) {
    if (!Array.isArray(o.chainBlock) || o.chainBlock.length !== 2) throw typeError("options.chainBlock", "a pair [first, end] of chain indices", o.chainBlock);
    first = integer("options.chainBlock[0]", o.chainBlock[0], 0, chains - 1);
    end = integer("options.chainBlock[1]", o.chainBlock[1], first + 1, chains);
  }
  return {
    ...controlOptions<LmcProgress>(o),
    h,
    steps,
    chains: end - first,
    first,
    init: parseInit(o.init, chains, d).slice(first * d, end * d),
    adjust,
    burnIn,
    thin,
    draws,
  };
}

