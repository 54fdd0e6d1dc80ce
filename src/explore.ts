// Cheap exploration of a target whose shape is unknown: Langevin chains started uniformly in
// a box around a pilot fit, run until they have fallen into the basins they started above.
// The mode-collapse check starts MFVI where they land; RoVI takes their principal axes.
import type { BackendName } from "./backend.js";
import * as P from "./generated/portable/index.js";
import { lmc } from "./lmc.js";
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

/**
 * The final states of Langevin chains (ULA) started uniformly in the box (default: around the
 * pilot), without those still far out (log pi more than d + 10 below the best chain's: not
 * settled in a basin).
 */
export async function explore(t: Target, c: ExploreConfig, pilot: { mean: ArrayLike<number>; sd: ArrayLike<number> }): Promise<Exploration> {
  const d = t.dim;
  const box = c.box ?? boxAround(pilot.mean, pilot.sd);
  const step = c.step ?? 0.05 * Array.from(pilot.sd).reduce((m, s) => Math.min(m, s * s), Infinity);
  const init = uniformPoints(box, c.chains, c.seed);
  if (t instanceof CustomTarget && !t.hasGradient) return { points: init, how: "box" };
  const run = await lmc(t, { step, steps: c.steps, chains: c.chains, init, seed: c.seed, ...(c.backend ? { backend: c.backend } : {}) });
  const rows: number[] = [];
  for (let j = 0; j < c.chains; j++) {
    const row = run.state.subarray(j * d, (j + 1) * d);
    if (row.every(Number.isFinite)) rows.push(...row);
  }
  if (rows.length === 0) return { points: init, how: "box" };
  const states = Float64Array.from(rows);
  const logp = t.logDensityBatch(states);
  const top = logp.reduce((m, v) => Math.max(m, v), -Infinity);
  return { points: states.filter((_, k) => logp[Math.floor(k / d)] >= top - d - 10), how: "lmc" };
}
