// Cheap exploration of a target whose shape is unknown: Langevin chains started uniformly in
// a box around a pilot fit, run until they have fallen into the basins they started above.
// The mode-collapse check starts MFVI where they land; RoVI takes their principal axes.
import type { Backend, BackendName } from "./backend.js";
import type { CaviConfig } from "./cavi.js";
import { Engine } from "./cavi.js";
import * as P from "./generated/portable/index.js";
import { lmc, LmcRun } from "./lmc.js";
import { parseLmcOptions } from "./lmc-options.js";
import { MfviFit } from "./mfvi.js";
import type { Approximation } from "./approximation.js";
import { CustomTarget, type Target } from "./targets.js";
import { seed as seedValue } from "./validate.js";

export interface ExploreConfig {
  seed: number;
  backend: BackendName | undefined;
  chains: number;
  steps: number;
  /** Langevin step; default 0.05 times the pilot's smallest variance. */
  step: number | undefined;
  /** [lo, hi] per coordinate; default: the pilot's mean +- max(10 sd, |mean| + 1). */
  box: Float64Array | null;
}

/** Where the chains ended ('lmc'), or the box points themselves ('box': no gradient, or every chain diverged). */
export interface Exploration {
  points: Float64Array;
  how: "lmc" | "box";
}

/** A pilot fit's location and scale per coordinate. */
export interface Pilot {
  mean: ArrayLike<number>;
  sd: ArrayLike<number>;
}

/** n points uniform in the box (lo, hi per coordinate), row-major; the same bits for a seed. */
export function uniformPoints(box: Float64Array, n: number, seed: number): Float64Array {
  const d = box.length / 2;
  const rng = new Int32Array(4);
  const s = seedValue("seed", seed);
  P.seedStreams(rng, s.lo ^ 0x2545f491, s.hi, 1);
  return Float64Array.from({ length: n * d }, (_, j) => box[2 * (j % d)] + (box[2 * (j % d) + 1] - box[2 * (j % d)]) * P.uniform(rng, 0));
}

/** The default box around a pilot fit: mean +- max(10 sd, |mean| + 1) per coordinate. */
export function boxAround(mean: ArrayLike<number>, sd: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: 2 * mean.length }, (_, k) => {
    const i = k >> 1;
    const reach = Math.max(10 * sd[i], Math.abs(mean[i]) + 1);
    return mean[i] + (k & 1 ? reach : -reach);
  });
}

/** The chains' starts (uniform in the box) and step (default 0.05 times the pilot's smallest variance). */
function chainPlan(c: ExploreConfig, pilot: Pilot): { init: Float64Array; step: number } {
  const box = c.box ?? boxAround(pilot.mean, pilot.sd);
  const step = c.step ?? 0.05 * Array.from(pilot.sd).reduce((m, s) => Math.min(m, s * s), Infinity);
  return { init: uniformPoints(box, c.chains, c.seed), step };
}

/**
 * The chains' final states without the diverged ones and those still far out (log pi more
 * than d + 10 below the best chain's: not settled in a basin); null if every chain diverged.
 */
function settled(t: Target, state: Float64Array): Float64Array | null {
  const d = t.dim;
  const rows: number[] = [];
  for (let j = 0; j < state.length / d; j++) {
    const row = state.subarray(j * d, (j + 1) * d);
    if (row.every(Number.isFinite)) rows.push(...row);
  }
  if (rows.length === 0) return null;
  const states = Float64Array.from(rows);
  const logp = t.logDensityBatch(states);
  const top = logp.reduce((m, v) => Math.max(m, v), -Infinity);
  return states.filter((_, k) => logp[Math.floor(k / d)] >= top - d - 10);
}

/**
 * The final states of Langevin chains (ULA) started uniformly in the box (default: around the
 * pilot), without those not settled in a basin (see settled).
 */
export async function explore(t: Target, c: ExploreConfig, pilot: Pilot): Promise<Exploration> {
  const { init, step } = chainPlan(c, pilot);
  if (t instanceof CustomTarget && !t.hasGradient) return { points: init, how: "box" };
  const run = await lmc(t, { step, steps: c.steps, chains: c.chains, init, seed: c.seed, ...(c.backend ? { backend: c.backend } : {}) });
  const points = settled(t, run.state);
  return points ? { points, how: "lmc" } : { points: init, how: "box" };
}

/** A pilot fit's factor means and sds (its rotation is the identity). */
export function pilotOf(q: Approximation): Pilot {
  const d = q.dim;
  return { mean: q.mean, sd: Float64Array.from({ length: d }, (_, i) => Math.sqrt(q.covariance[i * d + i])) };
}

/**
 * The exploration step by step (RoVI's first steps): a pilot MFVI fit, one sweep per step,
 * then the chains of `explore`, one Langevin step (a block, for built-in mixtures) per step.
 */
export class Explorer {
  private pilotFit: MfviFit | null;
  private chains: LmcRun | null = null;
  private plan: { init: Float64Array; step: number } | null = null;
  /** The pilot fit once it has ended. */
  pilot: Approximation | null = null;
  /** The exploration once it has ended (null before, or when the pilot failed). */
  found: Exploration | null = null;
  done = false;

  constructor(
    private readonly backend: Backend,
    private readonly target: Target,
    private readonly c: ExploreConfig,
    pilotConfig: CaviConfig,
  ) {
    this.pilotFit = new MfviFit(Engine.on(backend, target, pilotConfig));
  }

  /** Pilot sweeps done. */
  pilotSweeps = 0;
  /** Langevin steps done (of ExploreConfig.steps). */
  chainSteps = 0;

  /** One pilot sweep or one block of Langevin steps. */
  step(): void {
    if (this.pilotFit) {
      this.pilotSweeps = this.pilotFit.step().sweep;
      if (this.pilotFit.done) this.startChains();
      return;
    }
    const chains = this.chains!;
    this.chainSteps = chains.step().step;
    if (!chains.done) return;
    const points = settled(this.target, chains.result().state);
    this.found = points ? { points, how: "lmc" } : { points: this.plan!.init, how: "box" };
    this.finish();
  }

  /** The pilot's current fit (the last one once it ended). */
  current(): Approximation {
    return this.pilot ?? this.pilotFit!.current();
  }

  private startChains(): void {
    const fit = this.pilotFit!;
    this.pilot = fit.result();
    fit.dispose();
    this.pilotFit = null;
    if (this.pilot.status === "diverged") return this.finish();
    const plan = (this.plan = chainPlan(this.c, pilotOf(this.pilot)));
    const t = this.target;
    if (t instanceof CustomTarget && !t.hasGradient) {
      this.found = { points: plan.init, how: "box" };
      return this.finish();
    }
    const config = parseLmcOptions(t, { step: plan.step, steps: this.c.steps, chains: this.c.chains, init: plan.init, seed: this.c.seed });
    this.chains = new LmcRun(this.backend, t, config);
  }

  private finish(): void {
    this.done = true;
    this.dispose();
  }

  dispose(): void {
    this.pilotFit?.dispose();
    this.chains?.dispose();
    this.pilotFit = this.chains = null;
  }
}
