// Rotational VI: MFVI in a learned rotated coordinate system x = O y (docs/algorithms.md
// §3). A fit is a sequence of runs (restarts); each run alternates CAVI sweeps with
// rotation phases under a tempering schedule.
import { Approximation, type ApproximationParts } from "./approximation.js";
import { getBackend, type Backend } from "./backend.js";
import { Engine, initialGuess, KL_COMPARE, parseCaviOptions, type CaviConfig, type ProgressInfo } from "./cavi.js";
import { runToEnd, StepperBase, type Control, type Status, type Stepper } from "./core/driver.js";
import { Explorer } from "./explore.js";
import { options } from "./validate.js";
import { identity } from "./mfvi.js";
import { haar, mixtureAxes, Rotator } from "./rotation.js";
import { drawsStart, momentsAlong, parseRoviOptions, ROVI_KEYS, type DrawsStart, type RoviConfig, type RoviOptions, type RoviProgress } from "./rovi-options.js";
import type { GaussianMixture, Target } from "./targets.js";

export type { ExploreProgress, RoviExploreOptions, RoviOptions, RoviProgress, TemperSchedule } from "./rovi-options.js";

/** The start a run is built from: the fit's rotationInit, with the exploration's draws in place of 'explore'. */
type RunStart = Exclude<RoviConfig["rotationInit"], "explore">;

/** One run of RoVI from one start, one CAVI sweep (and, when due, a rotation phase) per step. */
class Run {
  /** The current stage's engine: the tempered stages' (on temper.gridSize cells), then the final stage's. */
  engine: Engine;
  /** The tempered stages' KL trace once the final stage has an engine of its own. */
  private temperedTrace: number[] = [];
  private readonly rotator: Rotator;
  private stage = 0;
  private cycle = 0;
  /** Sweeps in the current cycle, and the cycle's budget. */
  private cycleSweeps = 0;
  private budget: number;
  sweeps = 0;
  status: Status | "running" = "running";
  message = "";
  /** How far the last rotation step moved O when it ended its phase below the tolerance, else Infinity. */
  private settledMove = Infinity;
  /** Tempering stages that ran out of cycles before the factors and rotation settled. */
  private readonly unsettled: number[] = [];

  constructor(
    backend: Backend,
    target: Target,
    private readonly config: CaviConfig,
    private readonly cfg: RoviConfig,
    start: RunStart,
    /** Draws to start the factors from along a random rotation (restarts r > 0). */
    draws: DrawsStart | null,
  ) {
    const coarse = cfg.betas.length > 1 && cfg.temperedGrid < config.gridSize;
    const engine = (this.engine = Engine.on(backend, target, coarse ? { ...config, gridSize: cfg.temperedGrid } : config));
    this.rotator = new Rotator(engine, cfg);
    const d = target.dim;
    const fromDraws = typeof start === "object" && !(start instanceof Float64Array) ? start : null;
    const rotation =
      start === "identity"
        ? identity(d)
        : start === "random"
          ? haar(engine, this.rotator)
          : start === "pca"
            ? mixtureAxes(target as GaussianMixture, backend)
            : fromDraws
              ? fromDraws.rotation
              : (start as Float64Array);
    this.rotator.set(rotation);
    const own = config.init === "auto" && !config.bounds;
    const guess = own && fromDraws ? fromDraws : own && draws ? momentsAlong(draws, rotation, d) : initialGuess(target, rotation, config, "moments");
    // a tempered start is broader: pi^beta spreads a Gaussian by 1 / sqrt(beta)
    engine.startFactors(guess.center, guess.scale.map((s) => s / Math.sqrt(cfg.betas[0])));
    engine.setBeta(cfg.betas[0]);
    this.budget = Math.min(cfg.rotationEvery, config.maxSweeps);
  }

  get beta(): number {
    return this.cfg.betas[this.stage];
  }

  private get finalStage(): boolean {
    return this.stage === this.cfg.betas.length - 1;
  }

  /** One sweep, then the rotation phase when the cycle's sweeps are done. */
  step(): ProgressInfo {
    const { engine, cfg, config } = this;
    const end = engine.checkedSweep();
    // an aborted sweep left the state as it was: it is not counted
    if (end?.status !== "aborted") {
      this.sweeps++;
      this.cycleSweeps++;
    }
    const info = { sweep: this.sweeps, kl: engine.klAfterSweep(), maxChange: engine.maxChange, beta: this.beta, status: "running" as Status | "running" };
    if (end?.status === "diverged" || end?.status === "aborted") this.finish(end.status, end.message);
    else if (end || this.cycleSweeps === this.budget) this.rotationPhase(end?.status === "converged");
    if (this.status === "running" && this.cycleSweeps === 0) {
      this.budget = Math.min(cfg.rotationEvery, config.maxSweeps - this.sweeps);
      if (this.budget <= 0) this.finish("maxIterations", `no convergence in ${config.maxSweeps} sweeps`);
    }
    info.status = this.status;
    return info;
  }

  /** Procrustes steps for the current factors until O settles; then the next cycle or stage. */
  private rotationPhase(factorsSettled: boolean): void {
    let moved = 0;
    // the tempered stages only steer O: the final stage settles it on its own, fuller draws,
    // to its own tolerance
    const [draws, tol] = this.finalStage ? [this.cfg.rotationSamples, this.cfg.rotationTol] : [this.cfg.temperedSamples, this.cfg.temperedTol];
    const sweeps = this.cycleSweeps;
    this.cycleSweeps = 0;
    // one sweep that settled the factors right after a phase that ended on a step below the
    // tolerance: both blocks' last updates moved less than their tolerances, so the stage is
    // done without a new phase
    if (factorsSettled && sweeps === 1 && this.settledMove < tol) return this.settle();
    this.settledMove = Infinity;
    for (let step = 0; step < this.cfg.rotationSteps; step++) {
      const m = this.rotator.step(step === 0, draws);
      if (this.rotator.failure) return this.finish("diverged", this.rotator.failure);
      // an aborted step returns 0, which must not read as a settled rotation
      if (this.config.signal?.aborted) return this.finish("aborted", "aborted by options.signal during a rotation phase (the result is the last sweep's factors with the rotation of the last complete step)");
      if (step === 0) moved = m;
      if (m < tol) {
        this.settledMove = m;
        break;
      }
    }
    if (factorsSettled && moved < tol) return this.settle();
    this.cycle++;
    if (!this.finalStage && this.cycle >= this.cfg.cyclesPerStage) {
      this.unsettled.push(this.beta);
      this.nextStage();
    }
  }

  /** The factors and O have settled: the next stage, or the end of the fit. */
  private settle(): void {
    if (!this.finalStage) return this.nextStage();
    const settled = this.engine.settled();
    this.finish(settled.status, settled.message);
  }

  private nextStage(): void {
    this.settledMove = Infinity;
    const ratio = this.cfg.betas[this.stage + 1] / this.beta;
    this.stage++;
    this.cycle = 0;
    if (this.finalStage && this.engine.G < this.config.gridSize) {
      // the final stage on the full grids, from the tempered factors' shapes
      const fine = Engine.on(this.engine.backend, this.engine.target, this.config);
      this.rotator.rebind(fine);
      fine.transferFactors(this.engine);
      this.temperedTrace = this.engine.trace;
      this.engine.dispose();
      this.engine = fine;
    } else this.engine.temperFactors(ratio);
    this.engine.setBeta(this.beta);
  }

  /** Frees the run's kernel memory. */
  dispose(): void {
    this.engine.dispose();
    this.rotator.dispose();
  }

  finish(status: Status, message: string): void {
    this.status = status;
    this.message = message;
  }

  /** The run's current factors as Approximation parts, the KL evaluated at beta = 1 (stream: see Engine.evaluateKl). */
  parts(stream?: number): ApproximationParts {
    const { engine } = this;
    engine.setBeta(1);
    // A tempered stage only steers O towards a basin. Many end on cyclesPerStage (in 2-D fits
    // with KL 0.0003 as in every d = 100 one); when the final stage then settles, nothing in
    // the result is less trustworthy for it, so only a fit that did not converge says so.
    const ended = this.status !== "running" && this.status !== "converged";
    const warnings =
      ended && this.unsettled.length
        ? [`tempering stage${this.unsettled.length > 1 ? "s" : ""} beta = ${this.unsettled.map((b) => b.toPrecision(3)).join(", ")} ended after options.cyclesPerStage (${this.cfg.cyclesPerStage}) cycles before the factors and rotation settled, and the fit did not converge after them`]
        : [];
    if (ended && !this.finalStage) {
      const cells = engine.G < this.config.gridSize ? `, on options.temper.gridSize (${engine.G}) cells, not options.gridSize (${this.config.gridSize})` : "";
      warnings.push(`the fit stopped in tempering stage beta = ${this.beta.toPrecision(3)}, before the final stage: its factors fit pi^beta, not pi${cells}`);
    }
    const trace = [...this.temperedTrace, ...engine.trace];
    const parts = engine.report({ method: "rovi", status: this.status, message: this.message, iterations: this.sweeps, warnings, trace }, stream);
    if (this.status === "running") engine.setBeta(this.beta);
    return parts;
  }
}

/**
 * A RoVI fit: its runs (restarts) one after the other. Runs are compared on common random
 * numbers (the same KL draws for every run); the best one's KL is then estimated afresh on
 * draws it was not chosen on, so the reported KL is not biased low by the choice.
 */
class RoviFit extends StepperBase<Approximation, RoviProgress> {
  private run: Run | null = null;
  /** The exploration while it runs (rotationInit 'explore'). */
  private explorer: Explorer | null = null;
  /** The draws the runs start from (rotationInit 'explore' or { samples }). */
  private draws: DrawsStart | null;
  private start: RunStart | null;
  private readonly warnings: string[] = [];
  /** Every finished run's parts, compared on common draws. */
  private readonly finished: ApproximationParts[] = [];
  /** The best finished run so far, kept alive for the final estimate. */
  private best: { run: Run; parts: ApproximationParts } | null = null;
  private final: Approximation | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly config: CaviConfig,
    private readonly cfg: RoviConfig,
  ) {
    super();
    const init = cfg.rotationInit;
    this.start = init === "explore" ? null : init;
    this.draws = typeof init === "object" && !(init instanceof Float64Array) ? init : null;
    // the exploration depends on the seed alone, so every block of restarts sees the same draws
    if (init === "explore") this.explorer = new Explorer(backend, target, { seed: config.seed.hi * 2 ** 32 + (config.seed.lo >>> 0), backend: config.backend, box: null, ...cfg.explore! }, pilotConfig(target, config));
    else this.run = this.startRun(cfg.first);
  }

  /** Restart r: seed + r (low word), from a random rotation when r > 0. */
  private startRun(r: number): Run {
    const config = { ...this.config, seed: { lo: (this.config.seed.lo + r) | 0, hi: this.config.seed.hi } };
    return new Run(this.backend, this.target, config, this.cfg, r === 0 ? this.start! : "random", this.draws);
  }

  protected advance(): RoviProgress {
    if (this.explorer) return this.exploreStep(this.explorer);
    const run = this.run!;
    const info = run.step();
    if (run.status !== "running") {
      this.closeRun(run);
      const r = this.cfg.first + this.finished.length;
      // the run's KL may have seen an abort: then no further restart
      if (run.status !== "aborted" && r < this.cfg.end && !this.config.signal?.aborted) this.run = this.startRun(r);
      else this.settle();
    }
    return { ...info, phase: "fit", status: this.status };
  }

  /** One step of the exploration; once it has ended, the runs start from its draws. */
  private exploreStep(explorer: Explorer): RoviProgress {
    explorer.step();
    const info = { phase: "explore" as const, pilotSweeps: explorer.pilotSweeps, step: explorer.chainSteps, steps: this.cfg.explore!.steps, status: this.status };
    if (!explorer.done) return info;
    this.explorer = null;
    const d = this.target.dim;
    const points = explorer.found?.how === "lmc" ? explorer.found.points : null;
    if (points && points.length >= 2 * d) this.start = this.draws = drawsStart("the exploration's draws", points, d);
    else {
      this.start = "identity";
      this.warnings.push(
        explorer.found === null
          ? `the exploration's pilot MFVI fit failed (${explorer.pilot!.message}); RoVI started from the identity`
          : `the exploration kept ${points ? points.length / d : 0} settled chains, fewer than 2 dim = ${2 * d} (${points ? "raise options.explore.chains or steps" : "every chain diverged: a smaller options.explore.step may help"}); RoVI started from the identity`,
      );
    }
    this.run = this.startRun(this.cfg.first);
    return info;
  }

  override stop(message = "stopped by stop()"): void {
    if (this.done) return;
    if (this.explorer) {
      const pilot = this.explorer.current().toParts();
      this.explorer.dispose();
      this.explorer = null;
      const runs = { runs: Float64Array.of(pilot.kl), runErrors: Float64Array.of(pilot.klError) };
      this.final = new Approximation({ ...pilot, ...runs, method: "rovi", status: "aborted", message: `${message} during the exploration`, iterations: 0, trace: new Float64Array(0) });
      return this.end("aborted", this.final.message);
    }
    const run = this.run!;
    run.finish("aborted", message);
    this.closeRun(run);
    this.settle();
  }

  /** Records a finished run; keeps its engine if it is the best so far (lowest KL that is a number). */
  private closeRun(run: Run): void {
    const parts = run.parts(this.cfg.restarts > 1 ? KL_COMPARE : undefined);
    this.finished.push(parts);
    this.run = null;
    const better = this.best === null || (!Number.isNaN(parts.kl) && (Number.isNaN(this.best.parts.kl) || parts.kl < this.best.parts.kl));
    if (!better) return run.dispose();
    this.best?.run.dispose();
    this.best = { run, parts };
  }

  /** Ends the fit with the best run, its KL estimated afresh when it was compared on common draws. */
  private settle(): void {
    const { run, parts } = this.best!;
    const fresh = this.cfg.restarts > 1 && !this.config.exact ? run.parts() : parts;
    run.dispose();
    this.best = null;
    const warnings = [...fresh.warnings, ...this.warnings];
    // a block of the restarts leaves the comparison with the others to the merge (worker/split.ts)
    const spread = this.cfg.end - this.cfg.first === this.cfg.restarts ? disagreement(this.finished) : null;
    if (spread) warnings.push(spread);
    const runs = Float64Array.from(this.finished, (r) => r.kl);
    const runErrors = Float64Array.from(this.finished, (r) => r.klError);
    this.final = new Approximation({ ...fresh, warnings, runs, runErrors });
    this.end(fresh.status as Status, fresh.message);
  }

  /** The final result; mid-fit the current run's factors (during the exploration: its pilot MFVI fit's). */
  protected snapshot(): Approximation {
    return this.final ?? (this.explorer ? this.explorer.current() : new Approximation(this.run!.parts()));
  }

  protected release(): void {
    this.explorer?.dispose();
    this.run?.dispose();
    this.best?.run.dispose();
    this.run = this.best = null;
  }
}

/** A warning when runs' KLs (on common draws) differ by more than their errors allow, or null. */
export function disagreement(runs: readonly { kl: number; klError: number }[]): string | null {
  const ok = runs.filter((r) => Number.isFinite(r.kl));
  if (ok.length < 2) return null;
  const lo = ok.reduce((a, b) => (b.kl < a.kl ? b : a));
  const far = ok.filter((r) => r.kl - lo.kl > Math.max(1e-3, 3 * Math.sqrt(r.klError * r.klError + lo.klError * lo.klError)));
  if (far.length === 0) return null;
  return `${far.length} of ${ok.length} restarts ended at a higher KL than the kept one beyond their errors (KLs ${ok.map((r) => r.kl.toPrecision(4)).join(", ")}): they found other optima, and more restarts might find a lower one`;
}

/** The exploration's pilot fit: the fit's seed and backend, a coarse grid, a loose tolerance (it only locates and scales the target). */
function pilotConfig(target: Target, config: CaviConfig): CaviConfig {
  return { ...parseCaviOptions(target, { gridSize: 64, samples: 32, maxSweeps: 10, tol: 1e-2, klSamples: 1024 }), seed: config.seed, backend: config.backend, klSeed: config.seed };
}

async function start(target: Target, opts: RoviOptions | undefined): Promise<{ fit: RoviFit; config: CaviConfig }> {
  const config = parseCaviOptions(target, opts, ROVI_KEYS);
  const cfg = parseRoviOptions(target, options("options", opts), config);
  return { fit: new RoviFit(await getBackend(config.backend), target, config, cfg), config };
}

/**
 * Starts a RoVI fit to step by hand: `step()` runs one CAVI sweep (and the rotation phase
 * when one is due), `current()` is the Approximation of the current run's factors and
 * rotation, `result()` the final one (the best run over `restarts`). A fit that explores
 * first (rotationInit 'explore') starts with the exploration's steps: a pilot sweep or a
 * Langevin step each, with current() the pilot MFVI fit. `rovi(target, options)`
 * is exactly this, stepped until done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const fit = await roviStepper(t);
 * let sweeps = 0;
 * while (!fit.done) sweeps = fit.step().sweep; // fit.current(): this run's q after any step
 * assert.equal(fit.result().iterations, sweeps);
 * fit.dispose();
 * ```
 */
export async function roviStepper(target: Target, opts?: RoviOptions): Promise<Stepper<Approximation, RoviProgress>> {
  return (await start(target, opts)).fit;
}

/**
 * Rotational variational inference: argmin KL(O_# mu || pi) over product measures mu and
 * orthogonal O, by CAVI sweeps alternating with Procrustes steps on O, under a tempering
 * schedule that lets the rotation see the whole target before beta reaches 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // where MFVI collapses (KL ~ log 2), RoVI turns its axes to the diagonal and keeps both modes
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const q = await rovi(t);
 * const m = componentMass(q, t);
 * assert.ok(q.converged && q.kl < 0.01 && Math.abs(m[0] - 0.5) < 0.01);
 * ```
 */
export async function rovi(target: Target, opts?: RoviOptions): Promise<Approximation> {
  const { fit, config } = await start(target, opts);
  return runToEnd(fit, config as Control<RoviProgress>);
}

export { principalAxes } from "./rotation.js";
