// Langevin Monte Carlo, the paper's sampling baseline (docs/algorithms.md §4):
// unadjusted Langevin (ULA) or, with `adjust: true`, MALA. Many chains at once; built-in
// mixtures advance every chain for a block of steps in one kernel call, other targets take one
// batched gradient call per step (all chains) between two kernel calls.
import { BufferSet, getBackend, type Backend, type Buffer } from "./backend.js";
import { runToEnd, StepperBase, type Stepper } from "./core/driver.js";
import { Evaluator } from "./core/evaluator.js";
import { parseLmcOptions, type LmcConfig, type LmcOptions, type LmcProgress, type LmcResult } from "./lmc-options.js";
import type { Target } from "./targets.js";
import { Described, rangeError } from "./validate.js";

export type { LmcOptions, LmcProgress, LmcResult, LmcStatus } from "./lmc-options.js";

/** Index of the first draw not yet taken after `done` steps, and the steps until it. */
function nextDraw(c: Pick<LmcConfig, "burnIn" | "thin" | "draws">, done: number): { draw: number; countdown: number } {
  const draw = done <= c.burnIn ? 0 : Math.min(c.draws, Math.floor((done - c.burnIn) / c.thin));
  return { draw, countdown: draw < c.draws ? c.burnIn + c.thin * (draw + 1) - done : 1 };
}

/** @internal A Langevin run, one block of steps per step (mixtures: about 2^20 chain-steps x dim x K; custom targets: one step). */
export class LmcRun extends StepperBase<LmcResult, LmcProgress> {
  private readonly d: number;
  private readonly n: number;
  private readonly evaluator: Evaluator;
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
  private readonly block: number;
  private stepsDone = 0;
  private final: LmcResult | null = null;

  constructor(
    private readonly backend: Backend,
    target: Target,
    private readonly c: LmcConfig,
  ) {
    super();
    const d = (this.d = target.dim);
    const n = (this.n = c.chains);
    this.evaluator = new Evaluator(backend, target);
    const mixture = this.evaluator.mixture !== null;
    const K = this.evaluator.components;
    const bufs = (this.bufs = new BufferSet(backend));
    const f = (length: number) => bufs.f64(length);
    this.x = f(n * d);
    this.grad = f(n * d);
    this.logp = f(n);
    this.samples = f(n * c.draws * d);
    this.rng = bufs.i32(4 * n);
    this.info = bufs.i32(2 * n);
    // proposals: one chain at a time in the mixture kernel, all chains for the host
    const rows = mixture ? 1 : n;
    this.y = f(rows * d);
    this.gy = f(rows * d);
    this.lpy = f(rows);
    this.work = f(mixture ? K + K * d : 1);
    this.block = mixture ? Math.max(1, Math.floor(2 ** 20 / (n * d * K))) : 1;
    try {
      this.x.view.set(c.init);
      this.info.view.fill(-1);
      for (let j = 0; j < n; j++) this.info.view[2 * j] = 0;
      backend.kernels.seedStreamsFrom(this.rng.handle, c.seed.lo, c.seed.hi, c.first, n);
      this.evaluator.valueAndGradient(this.x, n, this.logp, this.grad);
      this.checkStart();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  protected release(): void {
    this.evaluator.dispose();
    this.bufs.free();
  }

  protected advance(): LmcProgress {
    const { c, d, n } = this;
    const k = this.backend.kernels;
    const adjust = c.adjust ? 1 : 0;
    const { draw, countdown } = nextDraw(c, this.stepsDone);
    if (this.evaluator.mixture) {
      const steps = Math.min(this.block, c.steps - this.stepsDone);
      k.lmcMixture(
        this.evaluator.descriptor, this.x.handle, this.grad.handle, this.logp.handle, n, steps, this.stepsDone, countdown, draw, c.thin, c.h, adjust,
        this.rng.handle, this.samples.handle, c.draws, this.info.handle, this.y.handle, this.gy.handle, this.lpy.handle, this.work.handle,
      );
      this.stepsDone += steps;
    } else {
      k.lmcPropose(this.x.handle, this.grad.handle, n, d, c.h, this.rng.handle, this.y.handle, this.info.handle);
      this.evaluator.valueAndGradient(this.y, n, this.lpy, this.gy);
      if (!c.adjust) this.flagOffTarget();
      const take = draw < c.draws && countdown === 1 ? 1 : 0;
      this.stepsDone += 1;
      k.lmcAccept(
        this.x.handle, this.grad.handle, this.logp.handle, n, d, c.h, adjust, this.rng.handle,
        this.y.handle, this.gy.handle, this.lpy.handle, this.stepsDone, draw, take, this.samples.handle, c.draws, this.info.handle,
      );
    }
    if (this.stepsDone >= c.steps) this.end("completed");
    return { step: this.stepsDone, steps: c.steps, status: this.status };
  }

  override stop(message = "stopped by stop()"): void {
    if (!this.done) this.end("aborted", `${message} after ${this.stepsDone} of ${this.c.steps} steps`);
  }

  /**
   * ULA moves by the gradient alone, but a proposal where the user's log pi is not finite
   * (NaN, +-Infinity) is off the target: its gradient is made NaN, so the kernel counts the
   * chain as diverged there instead of carrying it on.
   */
  private flagOffTarget(): void {
    const lp = this.lpy.view;
    for (let j = 0; j < this.n; j++) if (!Number.isFinite(lp[j])) this.gy.view[j * this.d] = NaN;
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

  protected snapshot(): LmcResult {
    if (this.final) return this.final;
    const { c, d, n } = this;
    const info = this.info.view.slice(0, 2 * n);
    const meta = { method: c.adjust ? "mala" : "ula", backend: this.backend.name, dim: d, steps: c.steps, step: c.h, burnIn: c.burnIn, thin: c.thin, draws: c.draws } as const;
    const result = lmcResult(meta, {
      samples: this.samples.view.slice(0, n * c.draws * d),
      state: this.x.view.slice(0, n * d),
      accepted: Int32Array.from({ length: n }, (_, j) => info[2 * j]),
      divergedAt: Int32Array.from({ length: n }, (_, j) => info[2 * j + 1]),
      done: this.stepsDone,
      status: this.status as LmcResult["status"],
      stopMessage: this.message,
    });
    if (this.done) this.final = result;
    return result;
  }
}

/** @internal What an LmcResult says about the run as a whole (the same for every chain). */
export type LmcMeta = Pick<LmcResult, "method" | "backend" | "dim" | "steps" | "step" | "burnIn" | "thin" | "draws">;

/** @internal Per-chain records (accepted moves, divergence step or -1, chain-major states) and how the run stands. */
export interface LmcChains {
  samples: Float64Array;
  state: Float64Array;
  accepted: Int32Array;
  divergedAt: Int32Array;
  /** Steps done. */
  done: number;
  /** 'running', 'completed' or 'aborted' (divergence is read from divergedAt). */
  status: LmcResult["status"];
  /** Why it was aborted. */
  stopMessage: string;
}

/** @internal An LmcResult from its chains' records (also how chain blocks run apart are merged). */
export function lmcResult(meta: LmcMeta, r: LmcChains): LmcResult {
  const { dim: d, draws } = meta;
  const { samples, state, divergedAt, done } = r;
  const aborted = r.status === "aborted";
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
  const messages: string[] = [];
  if (diverged > 0)
    messages.push(
      `${diverged} of ${n} chains diverged (a non-finite state, gradient or log density; the first at step ${first}); ` +
        `their draws from then on are NaN. A smaller options.step may help`,
    );
  if (aborted) messages.push(r.stopMessage);
  return {
    ...meta,
    chains: n,
    samples,
    state,
    acceptanceRate: proposals > 0 ? accepted / proposals : NaN,
    acceptance,
    status: diverged > 0 ? "diverged" : r.status,
    diverged,
    divergedAt,
    stepsDone: done,
    message: messages.join("; "),
  };
}

async function start(target: Target, opts: LmcOptions): Promise<{ run: LmcRun; c: LmcConfig }> {
  const c = parseLmcOptions(target, opts);
  return { run: new LmcRun(await getBackend(c.backend), target, c), c };
}

/**
 * Starts Langevin chains to step by hand: `step()` advances every chain by one block of steps
 * (a custom target: one step), `current()` is the LmcResult so far (status 'running'),
 * `result()` the final one. `lmc(target, options)` is exactly this, stepped until done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = await lmcStepper(gaussian({ mean: [0, 0], covariance: 1 }), { step: 0.1, steps: 100, chains: 10 });
 * while (!run.done) run.step(); // or read run.current() between steps
 * assert.equal(run.result().stepsDone, 100);
 * run.dispose();
 * ```
 */
export async function lmcStepper(target: Target, opts: LmcOptions): Promise<Stepper<LmcResult, LmcProgress>> {
  return (await start(target, opts)).run;
}

/**
 * Runs Langevin chains on `target` (ULA, or MALA with `adjust: true`) and returns their
 * recorded states. Built-in targets run inside the kernels; a custom target needs
 * gradLogDensity and is called once per step with all chains' points.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // MALA on N(0, 1): 100 chains, every 10th state after 200 steps; the draws' mean is near 0
 * const r = await lmc(gaussian({ mean: [0], covariance: 1 }), { step: 0.5, steps: 2000, chains: 100, adjust: true, burnIn: 200, thin: 10 });
 * const mean = r.samples.reduce((s, v) => s + v, 0) / r.samples.length;
 * assert.ok(r.status === "completed" && Math.abs(mean) < 0.05);
 * ```
 */
export async function lmc(target: Target, opts: LmcOptions): Promise<LmcResult> {
  const { run, c } = await start(target, opts);
  return runToEnd(run, c);
}
