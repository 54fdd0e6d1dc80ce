// What every experiment shares: the problem sizes, the run's context (seed, backend, cache),
// timing, and the builders of result rows.
import { componentMass, gaussianMixture, type Approximation, type BackendName, type GaussianApproximation, type GaussianMixture } from "../index.js";
import type { ExperimentId, ExperimentResult, ResultRow, StudySize } from "./index.js";

export interface Sizes {
  lmcChains: number;
  lmcSteps: number;
  lmcBurnIn: number;
  lmcThin: number;
  e4Dims: number[];
  e5Chains: number;
  e5Steps: number;
  /** E5: also run the RoVI variants that do not find both labellings. */
  e5Contrasts: boolean;
  /** Points per axis of contour grids. */
  grid: number;
}

export const SIZES: Record<StudySize, Sizes> = {
  default: { lmcChains: 1000, lmcSteps: 3000, lmcBurnIn: 1000, lmcThin: 100, e4Dims: [2, 10, 50, 100], e5Chains: 100, e5Steps: 500, e5Contrasts: true, grid: 121 },
  full: { lmcChains: 2000, lmcSteps: 5000, lmcBurnIn: 1000, lmcThin: 100, e4Dims: [2, 10, 50, 100], e5Chains: 200, e5Steps: 1000, e5Contrasts: true, grid: 161 },
  quick: { lmcChains: 400, lmcSteps: 1500, lmcBurnIn: 500, lmcThin: 100, e4Dims: [2, 10], e5Chains: 60, e5Steps: 400, e5Contrasts: false, grid: 81 },
};

/** ULA step on the unit-variance mixtures: stationary variance inflated by 1 / (1 - h/2) = 1.026 (fact 6). */
export const LMC_STEP = 0.05;
/** Separation of E1 at m = 3, E2, E3 and E4: means -m 1 and m 1 (E4: -m u and m u). */
export const M = 3;

export interface Ctx {
  seed: number;
  backend: BackendName | undefined;
  sizes: Sizes;
  figures: boolean;
  say: (line: string) => void;
  /** Fits shared between experiments (E3 reuses E2's w = 0.3 fits). */
  cache: Map<string, Promise<unknown>>;
}

/** What an experiment's run returns: its section of the report, and the numbers its headline quotes. */
export type Outcome<H> = Pick<ExperimentResult, "setup" | "rows" | "tables" | "figures" | "summary"> & { highlights: H };

export async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

export function cached<T>(ctx: Ctx, key: string, f: () => Promise<T>): Promise<T> {
  let p = ctx.cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = f();
    ctx.cache.set(key, p);
  }
  return p;
}

export function mixture(ctx: Ctx, weights: number[], means: number[][], covariances: (number | number[][])[]): GaussianMixture {
  return gaussianMixture({ weights, means, covariances, ...(ctx.backend ? { backend: ctx.backend } : {}) });
}

/** Options every fit and sampler shares. */
export function common(ctx: Ctx): { seed: number; backend?: BackendName } {
  return ctx.backend ? { seed: ctx.seed, backend: ctx.backend } : { seed: ctx.seed };
}

/** The rows of `samples` (n x d) with no NaN (diverged chains). */
export function finiteRows(samples: Float64Array, d: number): Float64Array {
  const keep: number[] = [];
  for (let j = 0; j < samples.length / d; j++) {
    let ok = true;
    for (let i = 0; i < d && ok; i++) ok = Number.isFinite(samples[j * d + i]);
    if (ok) for (let i = 0; i < d; i++) keep.push(samples[j * d + i]);
  }
  return Float64Array.from(keep);
}

export function massesOf(ctx: Ctx, q: Approximation | GaussianApproximation | Float64Array, t: GaussianMixture): number[] {
  return Array.from(componentMass(q, t, { seed: ctx.seed }));
}

/** The angle (degrees, in [0, 90)) of the first column of a 2 x 2 rotation: 45 is the diagonal. */
export function angle2(rotation: Float64Array): number {
  const a = (Math.atan2(rotation[2], rotation[0]) * 180) / Math.PI;
  return ((a % 90) + 90) % 90;
}

type RowValues = Partial<Omit<ResultRow, "experiment" | "setting" | "method" | "label">>;

export function row(experiment: ExperimentId, setting: string, method: string, label: string, values: RowValues): ResultRow {
  return {
    experiment,
    setting,
    method,
    label,
    kl: values.kl ?? null,
    klError: values.klError ?? null,
    masses: values.masses ?? null,
    w1: values.w1 ?? null,
    seconds: values.seconds ?? 0,
    status: values.status ?? "",
    warnings: values.warnings ?? [],
    extra: values.extra ?? {},
  };
}

/** A fit's row values on a mixture: KL, masses, status and sweeps (then `extra`). */
export function fitValues(ctx: Ctx, t: GaussianMixture, q: Approximation | GaussianApproximation, seconds: number, extra: Record<string, number> = {}): RowValues {
  return { ...reportOf(q), masses: massesOf(ctx, q, t), seconds, extra: { sweeps: q.iterations, ...extra } };
}

/** What a fit says of itself: KL with its error, status, warnings. */
export function reportOf(q: Approximation | GaussianApproximation): Pick<RowValues, "kl" | "klError" | "status" | "warnings"> {
  return { kl: q.kl, klError: q.klError, status: q.status, warnings: [...q.warnings] };
}

/** A sampler's row values on a mixture: the masses of its finite draws (n x 2) and their count. */
export function drawValues(ctx: Ctx, t: GaussianMixture, draws: Float64Array, status: string, seconds: number): RowValues {
  return { masses: massesOf(ctx, draws, t), seconds, status, extra: { draws: draws.length / 2 } };
}
