// Langevin Monte Carlo, the paper's sampling baseline (docs: ALGORITHMS.md section 4):
// unadjusted Langevin (ULA) or, with `adjust: true`, MALA. Many chains at once; built-in
// mixtures advance every chain for a block of steps in one kernel call, other targets take one
// batched gradient call per step (all chains) between two kernel calls.
import { BufferSet, getBackend, type Backend, type BackendName, type Buffer } from "./backend.js";
import { makeYielder } from "./cavi.js";
import { CustomTarget, GaussianMixture, isTarget, type Target } from "./targets.js";
import { boolean, Described, finite, integer, knownKeys, matrix, oneOf, options, rangeError, seed as seedOption, typeError, vector } from "./validate.js";

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
  /** Called now and then with the steps done so far. */
  onProgress?: (info: { step: number; steps: number }) => void;
  /** Stops the run early; the result then has status 'aborted'. */
  signal?: AbortSignal;
  /**
   * @internal Runs only chains [first, end) of the `chains`-chain run, with the same bits as
   * those chains have in the full run (so a run can be split over workers and merged in order).
   */
  chainBlock?: readonly [number, number];
}

export type LmcStatus = "ok" | "diverged" | "aborted";

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
  /** 'ok'; 'diverged' when some ULA chain left the finite numbers; 'aborted' by options.signal. */
  readonly status: LmcStatus;
  /** Number of diverged chains. */
  readonly diverged: number;
  /** Per chain: the step (1-based) at which it diverged, or -1. */
  readonly divergedAt: Int32Array;
  /** Steps done per chain (less than `steps` only when aborted). */
  readonly stepsDone: number;
  /** Why the status is not 'ok' ('' otherwise). */
  readonly message: string;
}

const KEYS = ["step", "steps", "chains", "seed", "init", "adjust", "burnIn", "thin", "backend", "onProgress", "signal", "chainBlock"] as const;
/** Largest chains x draws x dim (8 bytes each) kept in one kernel buffer. */
const MAX_ENTRIES = 2 ** 26;

interface LmcConfig {
  h: number;
  steps: number;
  chains: number;
  /** The run's first chain (chainBlock), whose random stream is stream `first` of the seed. */
  first: number;
  seed: { lo: number; hi: number };
  init: Float64Array;
  adjust: boolean;
  burnIn: number;
  thin: number;
  draws: number;
  backend: BackendName | undefined;
  onProgress: LmcOptions["onProgress"] | null;
  signal: AbortSignal | null;
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

function parseOptions(target: unknown, opts: unknown): LmcConfig {
  if (!isTarget(target)) throw typeError("target", "a target made by gaussian(), gaussianMixture() or customTarget()", target);
  if (target instanceof CustomTarget && !target.hasGradient)
    throw typeError("target", "a target with a gradient (customTarget({ ..., gradLogDensity })) for Langevin steps", new Described("a customTarget without gradLogDensity"));
  const o = options("options", opts);
  knownKeys("options", o, KEYS);
  const d = target.dim;
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
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw typeError("options.onProgress", "a function", o.onProgress);
  if (o.signal !== undefined && !(typeof o.signal === "object" && o.signal !== null && "aborted" in o.signal))
    throw typeError("options.signal", "an AbortSignal", o.signal);
  let [first, end] = [0, chains];
  if (o.chainBlock !== undefined) {
    if (!Array.isArray(o.chainBlock) || o.chainBlock.length !== 2) throw typeError("options.chainBlock", "a pair [first, end] of chain indices", o.chainBlock);
    first = integer("options.chainBlock[0]", o.chainBlock[0], 0, chains - 1);
    end = integer("options.chainBlock[1]", o.chainBlock[1], first + 1, chains);
  }
  return {
    h,
    steps,
    chains: end - first,
    first,
    seed: seedOption("options.seed", o.seed ?? 0),
    init: parseInit(o.init, chains, d).slice(first * d, end * d),
    adjust,
    burnIn,
    thin,
    draws,
    backend: o.backend === undefined ? undefined : oneOf("options.backend", o.backend, ["wasm", "js"] as const),
    onProgress: (o.onProgress as LmcConfig["onProgress"]) ?? null,
    signal: (o.signal as AbortSignal) ?? null,
  };
}

/**
 * @internal The batched gradient of any target without per-point checks: grad (n x dim) and
 * log pi (n) at n points, one call of the user's functions for a custom target. (The public
 * gradLogDensityBatch rejects non-finite points, which a diverging proposal may be.)
 */
export function batchGradient(target: Target): (points: Float64Array, n: number, logp: Float64Array, grad: Float64Array) => void {
  const t = target as unknown as { evalGrad(points: Float64Array, n: number, logp: Float64Array, grad: Float64Array): void };
  return (points, n, logp, grad) => t.evalGrad(points, n, logp, grad);
}

/** Index of the first draw not yet taken after `done` steps, and the steps until it. */
function nextDraw(c: Pick<LmcConfig, "burnIn" | "thin" | "draws">, done: number): { draw: number; countdown: number } {
  const draw = done <= c.burnIn ? 0 : Math.min(c.draws, Math.floor((done - c.burnIn) / c.thin));
  return { draw, countdown: draw < c.draws ? c.burnIn + c.thin * (draw + 1) - done : 1 };
}

/**
 * Runs Langevin chains on `target` (ULA, or MALA with `adjust: true`) and returns their
 * recorded states. Built-in targets run inside the kernels; a custom target needs
 * gradLogDensity and is called once per step with all chains' points.
 */
export async function lmc(target: Target, opts: LmcOptions): Promise<LmcResult> {
  const c = parseOptions(target, opts);
  const backend = await getBackend(c.backend);
  const run = new Run(backend, target, c);
  try {
    return await run.go();
  } finally {
    run.dispose();
  }
}

class Run {
  private readonly d: number;
  private readonly n: number;
  private readonly mixture: GaussianMixture | null;
  private readonly bufs: BufferSet;
  private readonly x: Buffer<Float64Array>;
  private readonly grad: Buffer<Float64Array>;
  private readonly logp: Buffer<Float64Array>;
  private readonly rng: Buffer<Int32Array>;
  private readonly info: Buffer<Int32Array>;
  private readonly samples: Buffer<Float64Array>;
  private readonly y: Buffer<Float64Array>;
  private readonly gy: Buffer<Float64Array>;
  private readonly lpy: Buffer<Float64Array>;
  private readonly work: Buffer<Float64Array>;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly c: LmcConfig,
  ) {
    const d = (this.d = target.dim);
    const n = (this.n = c.chains);
    this.mixture = target instanceof GaussianMixture ? target : null;
    const K = this.mixture ? this.mixture.components.length : 0;
    const bufs = (this.bufs = new BufferSet(backend));
    const f = (length: number) => bufs.f64(length);
    this.x = f(n * d);
    this.grad = f(n * d);
    this.logp = f(n);
    this.samples = f(n * c.draws * d);
    this.rng = bufs.i32(4 * n);
    this.info = bufs.i32(2 * n);
    // proposals: one chain at a time in the mixture kernel, all chains for the host
    const rows = this.mixture ? 1 : n;
    this.y = f(rows * d);
    this.gy = f(rows * d);
    this.lpy = f(rows);
    this.work = f(this.mixture ? K + K * d : 1);
  }

  dispose(): void {
    this.bufs.free();
  }

  /** grad and log pi at the n points of `points` into the buffers (copies for the host path). */
  private evaluate(points: Buffer<Float64Array>, n: number, logp: Buffer<Float64Array>, grad: Buffer<Float64Array>, host: HostScratch | null): void {
    if (this.mixture) {
      const descriptor = this.mixture.workspace(this.backend).get("descriptor", 0).handle;
      this.backend.kernels.mixtureGradLogDensity(descriptor, points.handle, n, logp.handle, grad.handle, this.work.handle);
      return;
    }
    const s = host!;
    s.points.set(points.view.subarray(0, n * this.d)); // a copy: the user's code may grow WASM memory
    s.eval(s.points, n, s.logp, s.grad);
    logp.view.set(s.logp);
    grad.view.set(s.grad);
  }

  async go(): Promise<LmcResult> {
    const { c, d, n, backend } = this;
    const k = backend.kernels;
    this.x.view.set(c.init);
    this.info.view.fill(-1);
    for (let j = 0; j < n; j++) this.info.view[2 * j] = 0;
    k.seedStreamsFrom(this.rng.handle, c.seed.lo, c.seed.hi, c.first, n);
    const host: HostScratch | null = this.mixture
      ? null
      : { eval: batchGradient(this.target), points: new Float64Array(n * d), logp: new Float64Array(n), grad: new Float64Array(n * d) };
    this.evaluate(this.x, n, this.logp, this.grad, host);
    this.checkStart();

    const pause = makeYielder();
    const adjust = c.adjust ? 1 : 0;
    let done = 0;
    let aborted = false;
    // mixture: blocks of about 2^20 chain-steps x dim x K per call, so pages stay responsive
    const K = this.mixture ? this.mixture.components.length : 1;
    const block = Math.max(1, Math.floor(2 ** 20 / (n * d * K)));
    while (done < c.steps) {
      if (c.signal?.aborted) {
        aborted = true;
        break;
      }
      const { draw, countdown } = nextDraw(c, done);
      if (this.mixture) {
        const steps = Math.min(block, c.steps - done);
        const descriptor = this.mixture.workspace(backend).get("descriptor", 0).handle;
        k.lmcMixture(
          descriptor, this.x.handle, this.grad.handle, this.logp.handle, n, steps, done, countdown, draw, c.thin, c.h, adjust,
          this.rng.handle, this.samples.handle, c.draws, this.info.handle, this.y.handle, this.gy.handle, this.lpy.handle, this.work.handle,
        );
        done += steps;
      } else {
        k.lmcPropose(this.x.handle, this.grad.handle, n, d, c.h, this.rng.handle, this.y.handle, this.info.handle);
        this.evaluate(this.y, n, this.lpy, this.gy, host);
        const take = draw < c.draws && countdown === 1 ? 1 : 0;
        done += 1;
        k.lmcAccept(
          this.x.handle, this.grad.handle, this.logp.handle, n, d, c.h, adjust, this.rng.handle,
          this.y.handle, this.gy.handle, this.lpy.handle, done, draw, take, this.samples.handle, c.draws, this.info.handle,
        );
      }
      c.onProgress?.({ step: done, steps: c.steps });
      await pause();
    }
    return this.result(done, aborted);
  }

  /** The start must be a point where the gradient (and, for MALA, log pi) is finite. */
  private checkStart(): void {
    const { d, n } = this;
    const g = this.grad.view;
    const lp = this.logp.view;
    for (let j = 0; j < n; j++) {
      let ok = !this.c.adjust || Number.isFinite(lp[j]);
      for (let i = 0; i < d && ok; i++) ok = Number.isFinite(g[j * d + i]);
      if (!ok) {
        const at = Array.from(this.x.view.subarray(j * d, j * d + d)).join(", ");
        throw rangeError(
          "options.init",
          `a point where grad log pi${this.c.adjust ? " and log pi are" : " is"} finite`,
          new Described(`chain ${j} at [${at}], where log pi = ${lp[j]} and grad log pi = [${Array.from(g.subarray(j * d, j * d + d)).join(", ")}]`),
        );
      }
    }
  }

  private result(done: number, aborted: boolean): LmcResult {
    const { c, d, n } = this;
    const info = this.info.view.slice(0, 2 * n);
    const meta = { method: c.adjust ? "mala" : "ula", backend: this.backend.name, dim: d, steps: c.steps, step: c.h, burnIn: c.burnIn, thin: c.thin, draws: c.draws } as const;
    return lmcResult(meta, {
      samples: this.samples.view.slice(0, n * c.draws * d),
      state: this.x.view.slice(0, n * d),
      accepted: Int32Array.from({ length: n }, (_, j) => info[2 * j]),
      divergedAt: Int32Array.from({ length: n }, (_, j) => info[2 * j + 1]),
      done,
      aborted,
    });
  }
}

/** @internal What an LmcResult says about the run as a whole (the same for every chain). */
export type LmcMeta = Pick<LmcResult, "method" | "backend" | "dim" | "steps" | "step" | "burnIn" | "thin" | "draws">;

/** @internal Per-chain records: accepted moves and the divergence step (-1: none), chain-major states. */
export interface LmcChains {
  samples: Float64Array;
  state: Float64Array;
  accepted: Int32Array;
  divergedAt: Int32Array;
  /** Steps done; `aborted`: stopped by options.signal. */
  done: number;
  aborted: boolean;
}

/** @internal An LmcResult from its chains' records (also how chain blocks run apart are merged). */
export function lmcResult(meta: LmcMeta, r: LmcChains): LmcResult {
  const { dim: d, draws } = meta;
  const { samples, state, divergedAt, done, aborted } = r;
  const n = divergedAt.length;
  const acceptance = new Float64Array(n);
  let accepted = 0;
  let proposals = 0;
  let diverged = 0;
  let first = Infinity;
  const { draw: taken } = nextDraw(meta, done);
  for (let j = 0; j < n; j++) {
    const at = divergedAt[j];
    const tries = at >= 0 ? at : done;
    acceptance[j] = tries > 0 ? r.accepted[j] / tries : NaN;
    accepted += r.accepted[j];
    proposals += tries;
    if (at >= 0) {
      diverged++;
      first = Math.min(first, at);
      state.fill(NaN, j * d, (j + 1) * d);
    }
    if (aborted) samples.fill(NaN, (j * draws + taken) * d, (j + 1) * draws * d);
  }
  const status: LmcStatus = diverged > 0 ? "diverged" : aborted ? "aborted" : "ok";
  const messages: string[] = [];
  if (diverged > 0)
    messages.push(
      `${diverged} of ${n} chains diverged (a non-finite state or gradient; the first at step ${first}); ` +
        `their draws from then on are NaN. A smaller options.step may help`,
    );
  if (aborted) messages.push(`aborted by options.signal after ${done} of ${meta.steps} steps`);
  return {
    ...meta,
    chains: n,
    samples,
    state,
    acceptanceRate: proposals > 0 ? accepted / proposals : NaN,
    acceptance,
    status,
    diverged,
    divergedAt,
    stepsDone: done,
    message: messages.join("; "),
  };
}

interface HostScratch {
  eval: (points: Float64Array, n: number, logp: Float64Array, grad: Float64Array) => void;
  points: Float64Array;
  logp: Float64Array;
  grad: Float64Array;
}
