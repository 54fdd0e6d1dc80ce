// Rotational VI: MFVI in a learned rotated coordinate system x = O y (docs: ALGORITHMS.md
// section 3). A fit is a sequence of runs (restarts); each run alternates CAVI sweeps with
// rotation phases under a tempering schedule.
import { Approximation, type ApproximationParts } from "./approximation.js";
import { getBackend, type Backend } from "./backend.js";
import { Engine, initialGuess, parseCaviOptions, type CaviConfig, type ProgressInfo } from "./cavi.js";
import { runToEnd, StepperBase, type Status, type Stepper } from "./core/driver.js";
import { options } from "./validate.js";
import { identity } from "./mfvi.js";
import { haar, mixtureAxes, Rotator } from "./rotation.js";
import { parseRoviOptions, ROVI_KEYS, type RoviConfig, type RoviOptions } from "./rovi-options.js";
import type { GaussianMixture, Target } from "./targets.js";

export type { RoviOptions, TemperSchedule } from "./rovi-options.js";

/** One run of RoVI from one start, one CAVI sweep (and, when due, a rotation phase) per step. */
class Run {
  readonly engine: Engine;
  private readonly rotator: Rotator;
  private stage = 0;
  private cycle = 0;
  /** Sweeps in the current cycle, and the cycle's budget. */
  private cycleSweeps = 0;
  private budget: number;
  sweeps = 0;
  status: Status | "running" = "running";
  message = "";

  constructor(
    backend: Backend,
    target: Target,
    private readonly config: CaviConfig,
    private readonly cfg: RoviConfig,
    start: RoviConfig["rotationInit"],
  ) {
    const engine = (this.engine = Engine.on(backend, target, config));
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
    const guess = fromDraws && config.init === "auto" && !config.bounds ? fromDraws : initialGuess(target, rotation, config, "moments");
    // a tempered start is broader: pi^beta spreads a Gaussian by 1 / sqrt(beta)
    engine.initFactors(guess.center, guess.scale.map((s) => s / Math.sqrt(cfg.betas[0])));
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
    this.sweeps++;
    this.cycleSweeps++;
    const end = engine.checkedSweep();
    const info = { sweep: this.sweeps, kl: engine.klAfterSweep(), maxChange: engine.maxChange, beta: this.beta, status: "running" as Status | "running" };
    if (end?.status === "diverged") this.finish(end.status, end.message);
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
    for (let step = 0; step < this.cfg.rotationSteps; step++) {
      const m = this.rotator.step(step === 0);
      if (this.rotator.failure) return this.finish("diverged", this.rotator.failure);
      if (step === 0) moved = m;
      if (m < this.cfg.rotationTol) break;
    }
    this.cycleSweeps = 0;
    if (factorsSettled && moved < this.cfg.rotationTol) {
      if (this.finalStage) return this.finish("converged", "");
      return this.nextStage();
    }
    this.cycle++;
    if (!this.finalStage && this.cycle >= this.cfg.cyclesPerStage) this.nextStage();
  }

  private nextStage(): void {
    this.stage++;
    this.cycle = 0;
    this.engine.setBeta(this.beta);
  }

  finish(status: Status, message: string): void {
    this.status = status;
    this.message = message;
  }

  /** The run's current factors as Approximation parts, the KL evaluated at beta = 1. */
  parts(): ApproximationParts {
    const { engine } = this;
    engine.setBeta(1);
    const kl = this.status === "diverged" ? NaN : engine.evaluateKl();
    if (this.status === "running") engine.setBeta(this.beta);
    return engine.parts({ method: "rovi", kl, iterations: this.sweeps, status: this.status, message: this.message, trace: Float64Array.from(engine.trace) });
  }
}

/** A RoVI fit: its runs (restarts) one after the other, the lowest KL kept. */
class RoviFit extends StepperBase<Approximation, ProgressInfo> {
  private run: Run | null;
  private readonly finished: ApproximationParts[] = [];
  private final: Approximation | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly config: CaviConfig,
    private readonly cfg: RoviConfig,
  ) {
    super();
    this.run = this.startRun(0);
  }

  /** Restart r: seed + r (low word), from a random rotation when r > 0. */
  private startRun(r: number): Run {
    const config = { ...this.config, seed: { lo: (this.config.seed.lo + r) | 0, hi: this.config.seed.hi } };
    return new Run(this.backend, this.target, config, this.cfg, r === 0 ? this.cfg.rotationInit : "random");
  }

  protected advance(): ProgressInfo {
    const run = this.run!;
    const info = run.step();
    if (run.status !== "running") {
      this.closeRun(run);
      const r = this.finished.length;
      if (run.status !== "aborted" && r < this.cfg.restarts) this.run = this.startRun(r);
      else this.settle();
    }
    return { ...info, status: this.status };
  }

  override stop(message = "stopped by stop()"): void {
    if (this.done) return;
    const run = this.run!;
    run.finish("aborted", message);
    this.closeRun(run);
    this.settle();
  }

  private closeRun(run: Run): void {
    this.finished.push(run.parts());
    run.engine.dispose();
    this.run = null;
  }

  /** Ends the fit with the best run (lowest KL among those that have one). */
  private settle(): void {
    const ok = this.finished.filter((r) => !Number.isNaN(r.kl));
    const best = (ok.length ? ok : this.finished).reduce((a, b) => (b.kl < a.kl ? b : a));
    this.final = new Approximation({ ...best, runs: Float64Array.from(this.finished, (r) => r.kl) });
    this.end(best.status as Status, best.message);
  }

  protected snapshot(): Approximation {
    return this.final ?? new Approximation(this.run!.parts());
  }

  protected release(): void {
    this.run?.engine.dispose();
    this.run = null;
  }
}

async function start(target: Target, opts: RoviOptions | undefined): Promise<{ fit: RoviFit; config: CaviConfig }> {
  const config = parseCaviOptions(target, opts, ROVI_KEYS);
  const cfg = parseRoviOptions(target, options("options", opts));
  return { fit: new RoviFit(await getBackend(config.backend), target, config, cfg), config };
}

/**
 * Starts a RoVI fit to step by hand: `step()` runs one CAVI sweep (and the rotation phase
 * when one is due), `current()` is the Approximation of the current run's factors and
 * rotation, `result()` the final one (the best run over `restarts`). `rovi(target, options)`
 * is exactly this, stepped until done.
 */
export async function roviStepper(target: Target, opts?: RoviOptions): Promise<Stepper<Approximation, ProgressInfo>> {
  return (await start(target, opts)).fit;
}

/**
 * Rotational variational inference: argmin KL(O_# mu || pi) over product measures mu and
 * orthogonal O, by CAVI sweeps alternating with Procrustes steps on O, under a tempering
 * schedule that lets the rotation see the whole target before beta reaches 1.
 */
export async function rovi(target: Target, opts?: RoviOptions): Promise<Approximation> {
  const { fit, config } = await start(target, opts);
  return runToEnd(fit, config);
}

export { principalAxes } from "./rotation.js";
