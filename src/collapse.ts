// The mode-collapse check (docs/collapse.md): MFVI from starts spread over the target, its fixed
// points compared with each other, and for two-component Gaussian mixtures the geometry the
// paper's analysis turns on.
import type { Approximation } from "./approximation.js";
import type { BackendName } from "./backend.js";
import { initialGuess, parseCaviOptions } from "./cavi.js";
import type { StepperStatus } from "./core/driver.js";
import { backendOption, targetArgument } from "./core/options.js";
import { componentMass } from "./diagnostics.js";
import * as P from "./generated/portable/index.js";
import { explore } from "./explore.js";
import { identity, mfvi } from "./mfvi.js";
import { GaussianMixture, type Target } from "./targets.js";
import { Described, inRange, integer, knownKeys, options, rangeError, seed as seedValue, typeError, vector } from "./validate.js";

/** Where the exploratory draws come from (see CollapseCheckOptions.explore). */
export interface ExploreOptions {
  /** Langevin chains (or, without a gradient, points of the box); 4 to 4096, default 64. */
  chains?: number;
  /** ULA steps per chain; 1 to 1e6, default 400. */
  steps?: number;
  /** ULA step size; default 0.05 times the smallest variance of the pilot fit's factors. */
  step?: number;
  /**
   * The box [lo, hi] per coordinate the chains start in (uniformly). Default: centred on the
   * pilot fit's mean, reaching max(10 pilot sds, |pilot mean| + 1) to either side (so it holds
   * the origin, where a custom target's default start sits, and as far again beyond).
   */
  box?: readonly (readonly [number, number])[];
}

export interface CollapseCheckOptions {
  /** MFVI fits, the pilot (MFVI's default start) included; 2 to 64, default 6. */
  starts?: number;
  /** Seed of every fit, of the exploration and of the mass estimates; default 0. */
  seed?: number;
  /** 'wasm' (default where WebAssembly exists) or 'js'. Both give the same report. */
  backend?: BackendName;
  /** Cells per factor grid of every fit (see MfviOptions.gridSize); default 64. */
  gridSize?: number;
  /** Most CAVI sweeps per fit; default 200. */
  maxSweeps?: number;
  /** Each fit's convergence tolerance (MfviOptions.tol); default 1e-4. */
  tol?: number;
  /**
   * Two fits reached different fixed points when their means differ, along some coordinate,
   * by more than `distinct` times the pooled sd of their factors there; default 0.5.
   */
  distinct?: number;
  /**
   * MFVI is collapsing when the modes it missed hold at least this share of the mass, or (for
   * mixtures) the best fit's component masses are this far from the weights in total
   * variation; in (0, 1), default 0.05.
   */
  massTolerance?: number;
  /** The exploratory draws the starts are picked from. */
  explore?: ExploreOptions;
}

/** One MFVI fit of the check. */
export interface CollapseFit {
  /** Its starting factors N(center_i, scale_i^2). */
  readonly start: { readonly center: Float64Array; readonly scale: Float64Array };
  /** Approximation.kl (for unnormalised targets: the negative ELBO). */
  readonly kl: number;
  /** The KL's standard error, for fits that report one. */
  readonly klError?: number;
  /** Component masses (Gaussian mixtures only). */
  readonly masses?: Float64Array;
  readonly mean: Float64Array;
  /** The factors' standard deviations. */
  readonly sd: Float64Array;
  /** Per coordinate, the central 99% interval [lo, hi] of the factor. */
  readonly support: readonly (readonly [number, number])[];
  readonly status: StepperStatus;
  /** Index of the distinct fixed point it reached (ordered by KL, lowest first); -1 if it failed. */
  readonly fixedPoint: number;
}

/** For a two-component Gaussian mixture: what the paper's analysis turns on. */
export interface MixtureGeometry {
  /** Bhattacharyya coefficient of the components, in (0, 1]: exp(-D_B); 1 for identical ones. */
  readonly bhattacharyyaOverlap: number;
  /** Angle between m_1 - m_0 and the nearest coordinate axis, in degrees (0 if the means coincide). */
  readonly angleToAxes: number;
  /** Mahalanobis distance of the means under the average covariance (S_0 + S_1) / 2. */
  readonly separation: number;
  /** The smaller component mass of the lowest-KL fit: the collapse MFVI actually shows (0.5 = none). */
  readonly minorityMass: number;
}

export interface CollapseReport {
  /** True when MFVI's answer depends on its start and misses mass (see collapseCheck). */
  readonly collapsing: boolean;
  /** Distinct fixed points that each sit outside the support of every lower-KL one. */
  readonly modes: number;
  /** Distinct fixed points seen (modes, plus any that lie inside a better fit's support). */
  readonly fixedPoints: number;
  /** Estimated share of the mass of each mode, lowest KL first: exp(-KL) normalised over the modes. */
  readonly shares: Float64Array;
  /** Every fit, the pilot first. */
  readonly fits: readonly CollapseFit[];
  /** Index in `fits` of the lowest-KL fit. */
  readonly best: number;
  /** How the starts were found: 'lmc' (Langevin draws) or 'box' (points of the box: no gradient). */
  readonly exploration: "lmc" | "box";
  /** One sentence: what was seen and what to use. */
  readonly verdict: string;
  /** Two-component Gaussian mixtures only. */
  readonly mixture?: MixtureGeometry;
}

interface Config {
  starts: number;
  seed: number;
  backend: BackendName | undefined;
  fit: { gridSize: number; maxSweeps: number; tol: number };
  distinct: number;
  massTolerance: number;
  chains: number;
  steps: number;
  step: number | undefined;
  box: Float64Array | null;
}

function boxOption(name: string, value: unknown, d: number): Float64Array {
  if (!Array.isArray(value)) throw typeError(name, "an array of [lo, hi] pairs, one per coordinate", value);
  if (value.length !== d) throw rangeError(name, `${d} pairs, one per coordinate`, value);
  const box = new Float64Array(2 * d);
  value.forEach((b: unknown, i: number) => {
    const pair = vector(`${name}[${i}]`, b, 2);
    if (!(pair[1] > pair[0])) throw rangeError(`${name}[${i}]`, "[lo, hi] with lo < hi", new Described(`[${pair[0]}, ${pair[1]}]`));
    box.set(pair, 2 * i);
  });
  return box;
}

function parseOptions(target: Target, opts: unknown): Config {
  const o = options("options", opts);
  knownKeys("options", o, ["starts", "seed", "backend", "gridSize", "maxSweeps", "tol", "distinct", "massTolerance", "explore"]);
  const e = options("options.explore", o.explore);
  knownKeys("options.explore", e, ["chains", "steps", "step", "box"]);
  const seed = o.seed === undefined ? 0 : o.seed;
  seedValue("options.seed", seed);
  const fit = {
    gridSize: o.gridSize === undefined ? 64 : o.gridSize,
    maxSweeps: o.maxSweeps === undefined ? 200 : o.maxSweeps,
    tol: o.tol === undefined ? 1e-4 : o.tol,
  } as Config["fit"];
  parseCaviOptions(target, fit); // the fits' own checks, before any work
  return {
    starts: o.starts === undefined ? 6 : integer("options.starts", o.starts, 2, 64),
    seed: seed as number,
    backend: backendOption("options.backend", o.backend),
    fit,
    distinct: o.distinct === undefined ? 0.5 : inRange("options.distinct", o.distinct, 0, Infinity, { openMin: true }),
    massTolerance: o.massTolerance === undefined ? 0.05 : inRange("options.massTolerance", o.massTolerance, 0, 1, { openMin: true, openMax: true }),
    chains: e.chains === undefined ? 64 : integer("options.explore.chains", e.chains, 4, 4096),
    steps: e.steps === undefined ? 400 : integer("options.explore.steps", e.steps, 1, 1e6),
    step: e.step === undefined ? undefined : inRange("options.explore.step", e.step, 0, Infinity, { openMin: true }),
    box: e.box === undefined ? null : boxOption("options.explore.box", e.box, target.dim),
  };
}

/** The report's view of one fit. */
async function describeFit(q: Approximation, target: Target, start: CollapseFit["start"], seed: number): Promise<Omit<CollapseFit, "fixedPoint">> {
  const d = q.dim;
  const sd = Float64Array.from({ length: d }, (_, i) => Math.sqrt(q.covariance[i * d + i]));
  const support = q.marginals.map((g) => {
    const G = g.mass.length;
    const cum = new Float64Array(G + 1);
    P.cumulate(g.mass, 0, G, cum, 0);
    return [P.quantile(cum, 0, G, g.edges, 0, 0.005), P.quantile(cum, 0, G, g.edges, 0, 0.995)] as const;
  });
  const failed = q.status === "diverged" || !Number.isFinite(q.kl);
  const klError = (q as Approximation & { klError?: number }).klError;
  const masses = target instanceof GaussianMixture && !failed ? componentMass(q, target, { seed }) : undefined;
  return {
    start,
    kl: q.kl,
    ...(klError === undefined ? {} : { klError }),
    ...(masses ? { masses } : {}),
    mean: q.mean,
    sd,
    support,
    status: failed ? "diverged" : q.status,
  };
}

/**
 * `count` points picked from `points` (row-major) one at a time, each the farthest (distance
 * scaled by `scale` per coordinate) from the pilot's centre and the points already picked.
 */
function spreadStarts(points: Float64Array, d: number, pilot: Float64Array, scale: Float64Array, count: number): Float64Array[] {
  const n = points.length / d;
  const dist = (j: number, p: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += ((points[j * d + i] - p[i]) / scale[i]) ** 2;
    return s;
  };
  const nearest = Float64Array.from({ length: n }, (_, j) => dist(j, pilot));
  const picked: Float64Array[] = [];
  while (picked.length < Math.min(count, n)) {
    let far = 0;
    for (let j = 1; j < n; j++) if (nearest[j] > nearest[far]) far = j;
    const p = points.slice(far * d, (far + 1) * d);
    picked.push(p);
    for (let j = 0; j < n; j++) nearest[j] = Math.min(nearest[j], dist(j, p));
  }
  return picked;
}

/** Largest |mean difference| over the pooled sd, across the coordinates. */
function standardisedDistance(a: CollapseFit | Omit<CollapseFit, "fixedPoint">, b: typeof a): number {
  let worst = 0;
  a.mean.forEach((m, i) => {
    const pooled = Math.sqrt((a.sd[i] ** 2 + b.sd[i] ** 2) / 2);
    worst = Math.max(worst, Math.abs(m - b.mean[i]) / pooled);
  });
  return worst;
}

function inside(point: Float64Array, support: CollapseFit["support"]): boolean {
  return support.every(([lo, hi], i) => point[i] >= lo && point[i] <= hi);
}

/** Total variation between masses and weights. */
function massError(masses: Float64Array, weights: Float64Array): number {
  return 0.5 * masses.reduce((s, m, k) => s + Math.abs(m - weights[k]), 0);
}

/** Lower Cholesky factor of a symmetric positive definite d x d matrix (row-major) and log det. */
function cholesky(a: Float64Array, d: number): { l: Float64Array; logDet: number } {
  const l = new Float64Array(d * d);
  let logDet = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        l[i * d + i] = Math.sqrt(s);
        logDet += 2 * P.log(l[i * d + i]);
      } else l[i * d + j] = s / l[j * d + j];
    }
  return { l, logDet };
}

/**
 * The geometry of a two-component Gaussian mixture that decides whether MFVI collapses on it:
 * the Bhattacharyya overlap BC = exp(-D_B), D_B = (1/8) D^T S^-1 D + (1/2) log(det S /
 * sqrt(det S_0 det S_1)) with D = m_1 - m_0 and S = (S_0 + S_1) / 2; the Mahalanobis
 * separation sqrt(D^T S^-1 D); and the angle between D and the nearest coordinate axis,
 * acos(max_i |D_i| / |D|). `minorityMass` is taken from `masses` (a fit's component masses).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-1, -1], [1, 1]], covariances: [1, 1] });
 * const g = mixtureGeometry(t, [0.5, 0.5]);
 * assert.ok(Math.abs(g.angleToAxes - 45) < 1e-9); // the means' line is the diagonal
 * assert.ok(Math.abs(g.bhattacharyyaOverlap - Math.exp(-1)) < 1e-12); // exp(-|m_1 - m_0|^2 / 8)
 * ```
 */
export function mixtureGeometry(mixture: GaussianMixture, masses: ArrayLike<number>): MixtureGeometry {
  if (!(mixture instanceof GaussianMixture)) throw typeError("mixture", "a Gaussian mixture (gaussianMixture())", mixture);
  if (mixture.components.length !== 2) throw rangeError("mixture", "a mixture of two components", new Described(`${mixture.components.length} components`));
  const mass = vector("masses", masses, 2);
  const [c0, c1] = mixture.components;
  const d = mixture.dim;
  const avg = c0.covariance.map((v, k) => (v + c1.covariance[k]) / 2);
  const diff = c1.mean.map((m, i) => m - c0.mean[i]);
  const { l, logDet } = cholesky(avg, d);
  // z = L^-1 D, so D^T S^-1 D = |z|^2
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = diff[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * z[k];
    z[i] = s / l[i * d + i];
  }
  const mahalanobis2 = z.reduce((s, v) => s + v * v, 0);
  const db = mahalanobis2 / 8 + 0.5 * (logDet - 0.5 * (cholesky(c0.covariance, d).logDet + cholesky(c1.covariance, d).logDet));
  const norm = Math.sqrt(diff.reduce((s, v) => s + v * v, 0));
  const along = diff.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return {
    bhattacharyyaOverlap: P.exp(-db),
    angleToAxes: norm > 0 ? (Math.acos(Math.min(1, along / norm)) * 180) / Math.PI : 0,
    separation: Math.sqrt(mahalanobis2),
    minorityMass: Math.min(mass[0], mass[1]),
  };
}

const percent = (x: number) => `${(100 * x).toFixed(x > 0.999 || x < 0.001 ? 2 : 1)}%`;

function verdictOf(r: Omit<CollapseReport, "verdict">, c: Config, weights: Float64Array | null): string {
  const n = r.fits.filter((f) => f.fixedPoint >= 0).length;
  const best = r.fits[r.best];
  const massText = best.masses && weights ? ` (component masses ${Array.from(best.masses, percent).join(" / ")} against weights ${Array.from(weights, percent).join(" / ")})` : "";
  const instead = "use rovi() (MFVI in learned rotated coordinates) or lmc() from spread starts instead of mfvi()";
  if (r.modes >= 2 && r.collapsing)
    return `MFVI collapses here: ${n} starts reached ${r.modes} modes in different regions, each fit covering one (estimated shares ${Array.from(r.shares, percent).join(" / ")})${massText}; ${instead}.`;
  if (r.collapsing) return `MFVI collapses here: the best of ${n} fits misses mass${massText}; ${instead}.`;
  if (r.modes >= 2)
    return `MFVI saw ${r.modes} modes, but those its best fit misses hold under ${percent(c.massTolerance)} of the mass (estimated shares ${Array.from(r.shares, percent).join(" / ")}); mfvi() is fine unless that mass matters (then rovi()).`;
  return `MFVI does not collapse here: ${n} starts reached ${r.fixedPoints === 1 ? "one fixed point" : "one mode"}${massText}; mfvi() is fine.`;
}

/**
 * Checks whether mean-field VI collapses onto one mode of `target`, by fitting it from several
 * spread starts and comparing the fixed points it reaches.
 *
 * 1. A pilot MFVI fit from MFVI's default start gives a location and a scale (its factors' sds).
 * 2. Exploration: Langevin (ULA) chains started uniformly in a box around the pilot run a few
 *    hundred steps; their final states land in the target's basins (a custom target without a
 *    gradient: the box points themselves).
 * 3. `starts - 1` further MFVI fits start at the exploratory points farthest from the pilot and
 *    from each other (distance in pilot sds), with the pilot's sds as their scale.
 * 4. Fits whose means lie within `distinct` pooled sds reached the same fixed point. Taking the
 *    fixed points by KL, lowest first, one is a *mode* when its mean lies outside the central
 *    99% support of every lower-KL mode (a fixed point inside a better fit's support, e.g. a
 *    saddle between two modes, is not). A fit covering one of several well-separated modes has
 *    KL = -log(mode's mass) + const, so exp(-KL), normalised over the modes, estimates each
 *    mode's share of the mass. Only differences of KLs enter: log Z may be unknown.
 * 5. Collapsing: at least two modes and those the best fit misses hold at least
 *    `massTolerance` of the mass; or, for a Gaussian mixture, the best fit's component masses
 *    are more than `massTolerance` from the weights in total variation (the direct test).
 *
 * For a two-component Gaussian mixture the report adds its geometry (see mixtureGeometry).
 * Same seed and options, same report, on either backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
 * const report = await collapseCheck(t);
 * assert.ok(report.collapsing && report.modes === 2);
 * ```
 */
export async function collapseCheck(target: Target, opts?: CollapseCheckOptions): Promise<CollapseReport> {
  const t = targetArgument(target);
  const c = parseOptions(t, opts);
  const d = t.dim;
  const fitOptions = { ...c.fit, seed: c.seed, backend: c.backend };
  const fitFrom = async (start: CollapseFit["start"]) => describeFit(await mfvi(t, { ...fitOptions, init: { center: Array.from(start.center), scale: Array.from(start.scale) } }), t, start, c.seed);

  const pilot = await fitFrom(initialGuess(t, identity(d), parseCaviOptions(t, fitOptions)));
  const fits: Omit<CollapseFit, "fixedPoint">[] = [pilot];
  let how: CollapseReport["exploration"] = "box";
  if (pilot.status !== "diverged") {
    const found = await explore(t, c, pilot);
    how = found.how;
    for (const center of spreadStarts(found.points, d, pilot.mean, pilot.sd, c.starts - 1)) fits.push(await fitFrom({ center, scale: pilot.sd }));
  }
  return judge(t, c, fits, how);
}

/** Steps 4 and 5 of collapseCheck: fixed points, modes, shares and the verdict. */
function judge(t: Target, c: Config, described: Omit<CollapseFit, "fixedPoint">[], how: CollapseReport["exploration"]): CollapseReport {
  const order = described.map((_, j) => j).filter((j) => described[j].status !== "diverged");
  order.sort((a, b) => described[a].kl - described[b].kl || a - b);
  const reps: number[] = []; // one fit per fixed point, by KL
  const point = new Int32Array(described.length).fill(-1);
  for (const j of order) {
    const same = reps.findIndex((r) => standardisedDistance(described[r], described[j]) <= c.distinct);
    point[j] = same >= 0 ? same : reps.push(j) - 1;
  }
  const fits = described.map((f, j) => ({ ...f, fixedPoint: point[j] }));
  const modes: number[] = [];
  for (const r of reps) if (modes.every((m) => !inside(fits[r].mean, fits[m].support))) modes.push(r);
  const best = reps.length > 0 ? reps[0] : 0;
  const top = fits[best].kl;
  const raw = modes.map((m) => P.exp(top - fits[m].kl));
  const total = raw.reduce((s, v) => s + v, 0);
  const shares = Float64Array.from(raw, (v) => v / total);
  const weights = t instanceof GaussianMixture ? t.weights : null;
  const bestMasses = fits[best].masses;
  const massOff = weights !== null && bestMasses !== undefined && massError(bestMasses, weights) > c.massTolerance;
  const collapsing = (modes.length >= 2 && 1 - shares[0] >= c.massTolerance) || massOff;
  const mixture = t instanceof GaussianMixture && t.components.length === 2 && bestMasses ? mixtureGeometry(t, bestMasses) : undefined;
  const report = { collapsing, modes: modes.length, fixedPoints: reps.length, shares, fits, best, exploration: how, ...(mixture ? { mixture } : {}) };
  if (reps.length === 0)
    return { ...report, collapsing: false, verdict: "MFVI failed from every start (see fits[].status); no check was possible." };
  return { ...report, verdict: verdictOf(report, c, weights) };
}
