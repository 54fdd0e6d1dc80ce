// The paper's numerical study (Sheng, Wu, Gonzalez-Sanz, "Mode Collapse of Mean-Field
// Variational Inference", 2025), rebuilt on this library's public API: MFVI, Gaussian MFVI
// (ADVI), RoVI and Langevin (ULA) on Gaussian mixtures and on the Old Faithful
// label-switching posterior. runStudy() returns the tables, the SVG figures (as strings) and
// a Markdown report; it touches no file system, so it runs in browsers too (the CLI in
// src/cli.ts writes the files).
import {
  componentMass,
  faithfulEruptions,
  gaussianMfvi,
  gaussianMixture,
  labelSwitchingPosterior,
  lmc,
  marginalCdf,
  marginalW1,
  mfvi,
  principalAxes,
  ready,
  rovi,
  type Approximation,
  type BackendName,
  type GaussianMixture,
  type Target,
} from "./index.js";
import * as P from "./generated/portable/index.js";
import { COLORS, contourFigure, fmt, lineFigure, type ContourLayer, type ContourPanel, type Grid2D, type LinePanel, type Series } from "./svg.js";

export type ExperimentId = "E1" | "E2" | "E3" | "E4" | "E5";

export const EXPERIMENT_IDS: readonly ExperimentId[] = ["E1", "E2", "E3", "E4", "E5"];

export const EXPERIMENT_TITLES: Readonly<Record<ExperimentId, string>> = {
  E1: "Mode collapse on the diagonal mixture 1/2 N(-m 1, I) + 1/2 N(m 1, I)",
  E2: "Asymmetric mixtures: unequal weights, unequal covariances",
  E3: "Marginal recovery on the w = 0.3 mixture",
  E4: "Dimension: two components along a random direction",
  E5: "Old Faithful: the label-switching posterior",
};

/**
 * Problem sizes. 'default' is what `npm start` runs (under a minute on two cores); 'quick' is
 * a reduced run for tests; 'full' runs longer Langevin chains and finer figure grids.
 */
export type StudySize = "default" | "quick" | "full";

export interface StudyOptions {
  /** Experiments to run (e.g. ["E1", "E3"]); default all. */
  only?: readonly string[];
  /** Seed of every fit, every chain and E4's random direction; default 1. */
  seed?: number;
  /** Backend of targets and fits; default: WASM where available. */
  backend?: BackendName;
  size?: StudySize;
  /** Make the SVG figures; default true. */
  figures?: boolean;
  /** Called with one line of progress after each experiment (and, for slow ones, inside). */
  onProgress?: (line: string) => void;
}

/** One fit (or sampler run) of one method on one problem. */
export interface ResultRow {
  experiment: ExperimentId;
  /** The problem, e.g. "m = 3", "w = 0.3", "d = 50". */
  setting: string;
  /** A short id: mfvi-a, mfvi-b, mfvi, advi, rovi, lmc, ... */
  method: string;
  /** What the tables call it. */
  label: string;
  /** KL(q || pi) (for the unnormalised posterior of E5: E_q[V] - H(q), the negative ELBO); null for samplers. */
  kl: number | null;
  /** Component masses, one per mixture component; null when the target is not a mixture. */
  masses: number[] | null;
  /** E3: W1 to the exact marginals along x1, x2 and (1, 1)/sqrt 2. */
  w1: number[] | null;
  seconds: number;
  /** 'converged', 'maxSweeps', ... for fits; 'ok' or 'diverged' for LMC. */
  status: string;
  /** Other numbers: labelFraction (E5), alignment (E4), sweeps, ... */
  extra: Record<string, number>;
}

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Figure {
  /** File name, relative to the report (e.g. "e1-contours.svg"). */
  file: string;
  caption: string;
  svg: string;
}

export interface ExperimentResult {
  id: ExperimentId;
  title: string;
  /** What was run (Markdown). */
  setup: string;
  rows: ResultRow[];
  tables: Table[];
  figures: Figure[];
  /** What the numbers show (Markdown), written from this run's numbers. */
  summary: string;
  seconds: number;
}

export interface StudyResult {
  seed: number;
  backend: BackendName;
  size: StudySize;
  experiments: ExperimentResult[];
  rows: ResultRow[];
  figures: Figure[];
  /** report.md: tables, figure links (relative SVG files) and the summaries. */
  report: string;
  /** The results tables as aligned plain text, for a terminal. */
  text: string;
  seconds: number;
}

interface Sizes {
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

const SIZES: Record<StudySize, Sizes> = {
  default: { lmcChains: 1000, lmcSteps: 3000, lmcBurnIn: 1000, lmcThin: 100, e4Dims: [2, 10, 50, 100], e5Chains: 100, e5Steps: 500, e5Contrasts: true, grid: 121 },
  full: { lmcChains: 2000, lmcSteps: 5000, lmcBurnIn: 1000, lmcThin: 100, e4Dims: [2, 10, 50, 100], e5Chains: 200, e5Steps: 1000, e5Contrasts: true, grid: 161 },
  quick: { lmcChains: 400, lmcSteps: 1500, lmcBurnIn: 500, lmcThin: 100, e4Dims: [2, 10], e5Chains: 60, e5Steps: 400, e5Contrasts: false, grid: 81 },
};

/** ULA step on the unit-variance mixtures: stationary variance inflated by 1 / (1 - h/2) = 1.026 (fact 6). */
const LMC_STEP = 0.05;
/** Separation of E1 at m = 3, E2, E3 and E4: means -m 1 and m 1 (E4: -m u and m u). */
const M = 3;
const LN2 = Math.LN2;

interface Ctx {
  seed: number;
  backend: BackendName | undefined;
  sizes: Sizes;
  figures: boolean;
  say: (line: string) => void;
  /** Fits shared between experiments (E3 reuses E2's w = 0.3 fits). */
  cache: Map<string, Promise<unknown>>;
}

// ---------------------------------------------------------------------------------------------
// small helpers

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

function cached<T>(ctx: Ctx, key: string, f: () => Promise<T>): Promise<T> {
  let p = ctx.cache.get(key) as Promise<T> | undefined;
  if (!p) {
    p = f();
    ctx.cache.set(key, p);
  }
  return p;
}

function mixture(ctx: Ctx, weights: number[], means: number[][], covariances: (number | number[][])[]): GaussianMixture {
  return gaussianMixture({ weights, means, covariances, ...(ctx.backend ? { backend: ctx.backend } : {}) });
}

/** Options every fit and sampler shares. */
function common(ctx: Ctx): { seed: number; backend?: BackendName } {
  return ctx.backend ? { seed: ctx.seed, backend: ctx.backend } : { seed: ctx.seed };
}

/** The rows of `samples` (n x d) with no NaN (diverged chains). */
function finiteRows(samples: Float64Array, d: number): Float64Array {
  const keep: number[] = [];
  for (let j = 0; j < samples.length / d; j++) {
    let ok = true;
    for (let i = 0; i < d && ok; i++) ok = Number.isFinite(samples[j * d + i]);
    if (ok) for (let i = 0; i < d; i++) keep.push(samples[j * d + i]);
  }
  return Float64Array.from(keep);
}

function massesOf(ctx: Ctx, q: Approximation | Float64Array, t: GaussianMixture): number[] {
  return Array.from(componentMass(q, t, { seed: ctx.seed }));
}

/** A mass as text: 4 decimals, or 2 significant digits when tiny. */
function fmtMass(v: number): string {
  if (v > 0 && v < 5e-4) return v.toExponential(1);
  if (v < 1 && v > 1 - 5e-4) return `1 - ${(1 - v).toExponential(1)}`;
  return v.toFixed(4);
}
const fmtMasses = (m: number[] | null) => (m ? m.map(fmtMass).join(" / ") : "-");
const fmtKl = (v: number | null, digits = 4) => (v === null ? "-" : Number.isNaN(v) ? "NaN" : v.toFixed(digits));
const fmtS = (s: number) => s.toFixed(2);

/** The angle (degrees, in [0, 90)) of the first column of a 2 x 2 rotation: 45 is the diagonal. */
function angle2(rotation: Float64Array): number {
  const a = (Math.atan2(rotation[2], rotation[0]) * 180) / Math.PI;
  return ((a % 90) + 90) % 90;
}

function row(
  experiment: ExperimentId,
  setting: string,
  method: string,
  label: string,
  values: Partial<Omit<ResultRow, "experiment" | "setting" | "method" | "label">>,
): ResultRow {
  return {
    experiment,
    setting,
    method,
    label,
    kl: values.kl ?? null,
    masses: values.masses ?? null,
    w1: values.w1 ?? null,
    seconds: values.seconds ?? 0,
    status: values.status ?? "",
    extra: values.extra ?? {},
  };
}

/**
 * Standard normal draws from the kernels' seeded generator: the same directions in every
 * engine (a Box-Muller on Math.log and Math.cos could differ in the last bit between them).
 */
function normalStream(seed: number): (n: number) => Float64Array {
  const state = new Int32Array(4);
  P.seedStreams(state, seed | 0, Math.floor(seed / 4294967296) | 0, 1);
  return (n) => {
    const out = new Float64Array(n);
    P.fillNormal(state, 0, out, 0, n);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// figure helpers

interface Box {
  x: [number, number];
  y: [number, number];
}

/** A square box around a 2-D mixture's components (3.5 standard deviations beyond each mean). */
function mixtureBox(t: GaussianMixture): Box {
  const c = [0, 0];
  for (const k of t.components) for (let i = 0; i < 2; i++) c[i] += k.weight * k.mean[i];
  let half = 0;
  for (const k of t.components)
    for (let i = 0; i < 2; i++) half = Math.max(half, Math.abs(k.mean[i] - c[i]) + 3.5 * Math.sqrt(k.covariance[i * 2 + i]));
  return { x: [c[0] - half, c[0] + half], y: [c[1] - half, c[1] + half] };
}

function gridOf(box: Box, n: number): { xs: Float64Array; ys: Float64Array; points: Float64Array } {
  const xs = Float64Array.from({ length: n }, (_, i) => box.x[0] + ((box.x[1] - box.x[0]) * i) / (n - 1));
  const ys = Float64Array.from({ length: n }, (_, j) => box.y[0] + ((box.y[1] - box.y[0]) * j) / (n - 1));
  const points = new Float64Array(2 * n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      points[2 * (j * n + i)] = xs[i];
      points[2 * (j * n + i) + 1] = ys[j];
    }
  return { xs, ys, points };
}

type LogDensity = (points: Float64Array) => Float64Array;
const ofTarget = (t: Target): LogDensity => (p) => t.logDensityBatch(p);
const ofApprox = (q: Approximation): LogDensity => (p) => q.logDensity(p);

function grid2(f: LogDensity, box: Box, n: number): Grid2D & { max: number } {
  const g = gridOf(box, n);
  const values = f(g.points);
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return { xs: g.xs, ys: g.ys, values, max };
}

/** Density contours at these fractions of a peak density. */
const FRACTIONS = [0.5, 0.1, 0.01, 0.001];
const levels = (max: number) => FRACTIONS.map((f) => max + Math.log(f));

interface FitLayer {
  grid: Grid2D;
  color: string;
  label: string;
  /** Contour levels at fractions of this peak (log density) instead of the target's. */
  ownMax?: number;
}

/** A panel: the target's contours (grey) and fits' contours (dashed, colour), by default at the target's levels. */
function panel(title: string, box: Box, target: Grid2D & { max: number }, fits: FitLayer[], points?: { xy: Float64Array; color: string; label: string }): ContourPanel {
  const layers: ContourLayer[] = [{ grid: target, levels: levels(target.max), color: "#9a9a9a", label: "target", width: 1.1 }];
  for (const f of fits)
    layers.push({ grid: f.grid, levels: levels(f.ownMax ?? target.max), color: f.color, label: f.label, dash: "5 3", width: 1.7 });
  return {
    title,
    xLabel: "x1",
    yLabel: "x2",
    xRange: box.x,
    yRange: box.y,
    layers,
    ...(points ? { points: [{ points: thin(points.xy, 2, 1500), color: points.color, label: points.label, radius: 1.3 }] } : {}),
  };
}

/** At most `max` rows of `x` (n x d), evenly spaced. */
function thin(x: Float64Array, d: number, max: number): Float64Array {
  const n = x.length / d;
  if (n <= max) return x;
  const out = new Float64Array(max * d);
  for (let k = 0; k < max; k++) out.set(x.subarray(Math.floor((k * n) / max) * d, Math.floor((k * n) / max) * d + d), k * d);
  return out;
}

/** Points t along unit u (2-D): t u + s v, v = u rotated by 90 degrees. */
function linePoints(u: [number, number], ts: Float64Array, ss: Float64Array): Float64Array {
  const v = [-u[1], u[0]];
  const p = new Float64Array(2 * ts.length * ss.length);
  let k = 0;
  for (const t of ts)
    for (const s of ss) {
      p[k++] = t * u[0] + s * v[0];
      p[k++] = t * u[1] + s * v[1];
    }
  return p;
}

const linspace = (a: number, b: number, n: number) => Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** The density of u.X for a 2-D density given by its log: integrated over the orthogonal line on a fine grid. */
function marginalOf(f: LogDensity, u: [number, number], ts: Float64Array, ss: Float64Array): Float64Array {
  const lp = f(linePoints(u, ts, ss));
  const ds = ss[1] - ss[0];
  return Float64Array.from(ts, (_, i) => {
    let s = 0;
    for (let j = 0; j < ss.length; j++) s += Math.exp(lp[i * ss.length + j]);
    return s * ds;
  });
}

/** The exact marginal density along u, from the derivative of marginalCdf. */
function exactMarginal(t: GaussianMixture, u: number[], ts: Float64Array): Float64Array {
  const F = marginalCdf(t, Float64Array.from(u));
  const h = 1e-4;
  return ts.map((x) => (F(x + h) - F(x - h)) / (2 * h));
}

/** A histogram density of u.x over draws x (n x 2), bins of width h centred on `centres`. */
function histogram(x: Float64Array, u: number[], centres: Float64Array): Float64Array {
  const h = centres[1] - centres[0];
  const lo = centres[0] - h / 2;
  const counts = new Float64Array(centres.length);
  const n = x.length / 2;
  for (let j = 0; j < n; j++) {
    const k = Math.floor((u[0] * x[2 * j] + u[1] * x[2 * j + 1] - lo) / h);
    if (k >= 0 && k < counts.length) counts[k]++;
  }
  return counts.map((c) => c / (n * h));
}

/** Projections of a 2-D mixture's means on u, with the largest standard deviation. */
function span(t: GaussianMixture, u: number[], sds = 4.5): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of t.components) {
    const mu = u[0] * c.mean[0] + u[1] * c.mean[1];
    const sd = Math.sqrt(u[0] * u[0] * c.covariance[0] + 2 * u[0] * u[1] * c.covariance[1] + u[1] * u[1] * c.covariance[3]);
    lo = Math.min(lo, mu - sds * sd);
    hi = Math.max(hi, mu + sds * sd);
  }
  return [lo, hi];
}

interface MarginalCurve {
  label: string;
  color: string;
  dash?: string;
  approx?: Approximation;
  draws?: Float64Array;
}

/** Marginal densities of approximations and draws against the exact marginal, along u. */
function marginalPanel(title: string, t: GaussianMixture, u: number[], xLabel: string, curves: MarginalCurve[]): LinePanel {
  const [lo, hi] = span(t, u);
  const ts = linspace(lo, hi, 361);
  const box = mixtureBox(t);
  const half = Math.max(box.x[1] - box.x[0], box.y[1] - box.y[0]);
  const cx = (box.x[0] + box.x[1]) / 2;
  const cy = (box.y[0] + box.y[1]) / 2;
  const uu: [number, number] = [u[0], u[1]];
  const sc = -u[1] * cx + u[0] * cy; // the orthogonal coordinate of the box centre
  const ss = linspace(sc - half, sc + half, 481);
  const series: Series[] = [{ x: ts, y: exactMarginal(t, u, ts), color: COLORS.target, label: "exact", width: 2.4 }];
  for (const c of curves) {
    if (c.approx) series.push({ x: ts, y: marginalOf(ofApprox(c.approx), uu, ts, ss), color: c.color, label: c.label, dash: c.dash });
    else if (c.draws) {
      const centres = linspace(lo + 0.125, hi - 0.125, Math.max(2, Math.round((hi - lo) / 0.25)));
      series.push({ x: centres, y: histogram(c.draws, u, centres), color: c.color, label: c.label, steps: true, dash: c.dash });
    }
  }
  return { title, xLabel, yLabel: "density", series };
}

// ---------------------------------------------------------------------------------------------
// E1

async function e1(ctx: Ctx): Promise<Omit<ExperimentResult, "seconds">> {
  const rows: ResultRow[] = [];
  const panels: ContourPanel[] = [];
  const margins: LinePanel[] = [];
  const s = ctx.sizes;
  for (const m of [1, 2, 3]) {
    const setting = `m = ${m}`;
    const t = mixture(ctx, [0.5, 0.5], [[-m, -m], [m, m]], [1, 1]);
    const [qa, sa] = await timed(() => mfvi(t, { ...common(ctx), init: { center: [-m, -m], scale: 1 } }));
    const [qb, sb] = await timed(() => mfvi(t, { ...common(ctx), init: { center: [m, m], scale: 1 } }));
    const [qg, sg] = await timed(() => gaussianMfvi(t, common(ctx)));
    const [qr, sr] = await timed(() => rovi(t, common(ctx)));
    const [ch, sl] = await timed(() =>
      lmc(t, { ...common(ctx), step: LMC_STEP, steps: s.lmcSteps, chains: s.lmcChains, burnIn: s.lmcBurnIn, thin: s.lmcThin, init: [0, 0] }),
    );
    const draws = finiteRows(ch.samples, 2);
    const fit = (q: Approximation, seconds: number, extra: Record<string, number> = {}) => ({
      kl: q.kl,
      masses: massesOf(ctx, q, t),
      seconds,
      status: q.status,
      extra: { sweeps: q.iterations, ...extra },
    });
    rows.push(row("E1", setting, "mfvi-a", `MFVI, init (-${m}, -${m})`, fit(qa, sa)));
    rows.push(row("E1", setting, "mfvi-b", `MFVI, init (${m}, ${m})`, fit(qb, sb)));
    rows.push(row("E1", setting, "advi", "Gaussian MFVI (ADVI)", fit(qg, sg)));
    rows.push(row("E1", setting, "rovi", "RoVI", fit(qr, sr, { angle: angle2(qr.rotation) })));
    rows.push(
      row("E1", setting, "lmc", "LMC (ULA), start (0, 0)", {
        masses: massesOf(ctx, draws, t),
        seconds: sl,
        status: ch.status,
        extra: { draws: draws.length / 2 },
      }),
    );
    if (ctx.figures) {
      const box = mixtureBox(t);
      const tg = grid2(ofTarget(t), box, s.grid);
      const g = (q: Approximation) => grid2(ofApprox(q), box, s.grid);
      panels.push(
        panel(`m = ${m}: MFVI, init (-${m}, -${m})`, box, tg, [{ grid: g(qa), color: COLORS.mfvi, label: "MFVI" }]),
        panel(`m = ${m}: MFVI, init (${m}, ${m})`, box, tg, [{ grid: g(qb), color: COLORS.mfvi2, label: "MFVI" }]),
        panel(`m = ${m}: Gaussian MFVI`, box, tg, [{ grid: g(qg), color: COLORS.advi, label: "ADVI" }]),
        panel(`m = ${m}: RoVI`, box, tg, [{ grid: g(qr), color: COLORS.rovi, label: "RoVI" }]),
        panel(`m = ${m}: LMC from (0, 0)`, box, tg, [], { xy: draws, color: COLORS.lmc, label: "LMC draws" }),
      );
      margins.push(
        marginalPanel(`m = ${m}: marginal of x1`, t, [1, 0], "x1", [
          { label: "MFVI (-m)", color: COLORS.mfvi, approx: qa, dash: "6 3" },
          { label: "MFVI (+m)", color: COLORS.mfvi2, approx: qb, dash: "6 3" },
          { label: "ADVI", color: COLORS.advi, approx: qg, dash: "2 2" },
          { label: "RoVI", color: COLORS.rovi, approx: qr, dash: "8 3" },
          { label: "LMC", color: COLORS.lmc, draws },
        ]),
      );
    }
  }
  const figures: Figure[] = ctx.figures
    ? [
        {
          file: "e1-contours.svg",
          caption: "E1: target density contours (grey; 50%, 10%, 1%, 0.1% of the peak) and each fit's contours at the same levels (dashed); LMC as draws.",
          svg: contourFigure(panels, { columns: 5, width: 170, height: 170, title: "E1: 1/2 N(-m 1, I) + 1/2 N(m 1, I)" }),
        },
        {
          file: "e1-marginals.svg",
          caption: "E1: marginal densities of x1 against the exact marginal 1/2 N(-m, 1) + 1/2 N(m, 1).",
          svg: lineFigure(margins, { columns: 3, width: 300, height: 200 }),
        },
      ]
    : [];
  const get = (m: number, method: string) => rows.find((r) => r.setting === `m = ${m}` && r.method === method)!;
  const major = (r: ResultRow) => Math.max(...r.masses!);
  const minor = (r: ResultRow) => Math.min(...r.masses!);
  const roviOk = [1, 2, 3].every((m) => Math.abs(get(m, "rovi").masses![0] - 0.5) < 0.02 && get(m, "rovi").kl! < 0.02);
  const mfvi3 = [get(3, "mfvi-a"), get(3, "mfvi-b")];
  const side = (r: ResultRow) => (r.masses![0] > r.masses![1] ? "the first component, N(-m 1, I)" : "the second component, N(m 1, I)");
  const summary = [
    `At m = 1 the components overlap and MFVI keeps both (masses ${fmtMasses(get(1, "mfvi-a").masses)}, KL ${fmtKl(get(1, "mfvi-a").kl, 3)}).`,
    `As m grows the minority mass falls: ${[1, 2, 3].map((m) => `${fmtMass(Math.min(minor(get(m, "mfvi-a")), minor(get(m, "mfvi-b"))))} at m = ${m}`).join(", ")}.`,
    `At m = 3 MFVI has collapsed: its majority mass is ${fmtMass(major(mfvi3[0]))} from init (-3, -3) and ${fmtMass(major(mfvi3[1]))} from init (3, 3), with KL ${fmtKl(mfvi3[0].kl, 3)} and ${fmtKl(mfvi3[1].kl, 3)} against log 2 = ${LN2.toFixed(3)};`,
    `which component it keeps follows the initialisation (${side(mfvi3[0])} from (-3, -3), ${side(mfvi3[1])} from (3, 3)).`,
    `Gaussian MFVI (ADVI) collapses the same way (majority mass ${fmtMass(major(get(3, "advi")))} at m = 3, KL ${fmtKl(get(3, "advi").kl, 3)}).`,
    roviOk
      ? `RoVI turns its axes to the diagonal (angle ${[1, 2, 3].map((m) => get(m, "rovi").extra.angle.toFixed(1)).join(", ")} degrees modulo 90 for m = 1, 2, 3), where the target is a product, and recovers the mixture at every m: masses 1/2, 1/2 within 0.02 and KL below 0.02 (${[1, 2, 3].map((m) => fmtKl(get(m, "rovi").kl, 4)).join(", ")}).`
      : `RoVI: masses ${[1, 2, 3].map((m) => fmtMasses(get(m, "rovi").masses)).join("; ")} and KL ${[1, 2, 3].map((m) => fmtKl(get(m, "rovi").kl)).join(", ")} for m = 1, 2, 3 (not the expected 1/2, 1/2 and KL ~ 0 everywhere).`,
    `LMC started at the midpoint (0, 0) splits between the modes by symmetry (masses ${fmtMasses(get(3, "lmc").masses)} at m = 3); with equal weights that happens to be right (see E3 for unequal weights).`,
  ].join(" ");
  return {
    id: "E1",
    title: EXPERIMENT_TITLES.E1,
    setup:
      `Targets 1/2 N(-m 1, I) + 1/2 N(m 1, I) in 2-D for m = 1, 2, 3. MFVI (histogram factors, exact quadrature) from two initialisations, factors N(-m, 1) and N(m, 1) ("init (-m, -m)" and "init (m, m)"); ` +
      `Gaussian MFVI (ADVI, Adam on the reparameterised ELBO); RoVI with its defaults (PCA start, tempering); ` +
      `LMC: ULA with step ${LMC_STEP}, ${s.lmcChains} chains all started at (0, 0), ${s.lmcSteps} steps, draws every ${s.lmcThin} steps after ${s.lmcBurnIn} (${s.lmcChains * Math.floor((s.lmcSteps - s.lmcBurnIn) / s.lmcThin)} draws). ` +
      `Masses are E_q[w_k p_k / pi] from 20,000 stratified draws (LMC: over its draws).`,
    rows,
    tables: [
      {
        title: "E1: component masses and KL(q || pi)",
        columns: ["m", "method", "masses (1st / 2nd)", "KL", "status", "time (s)"],
        rows: rows.map((r) => [r.setting.replace("m = ", ""), r.label, fmtMasses(r.masses), fmtKl(r.kl), r.status, fmtS(r.seconds)]),
      },
    ],
    figures,
    summary,
  };
}

// ---------------------------------------------------------------------------------------------
// E2, E3

interface Problem {
  key: string;
  setting: string;
  description: string;
  weights: number[];
  means: number[][];
  covariances: (number | number[][])[];
}

const S45 = Math.SQRT1_2;
/** Variance 4 along (1, -1)/sqrt 2 and 1/4 along (1, 1)/sqrt 2: stretched across the separation. */
const ACROSS = [
  [2.125, -1.875],
  [-1.875, 2.125],
];

const E2_PROBLEMS: Problem[] = [
  {
    key: "w03",
    setting: "w = 0.3",
    description: `0.3 N(-${M} 1, I) + 0.7 N(${M} 1, I)`,
    weights: [0.3, 0.7],
    means: [[-M, -M], [M, M]],
    covariances: [1, 1],
  },
  {
    key: "stretch-x",
    setting: "S2 = diag(4, 1/4)",
    description: `1/2 N(-${M} 1, I) + 1/2 N(${M} 1, diag(4, 1/4)): the second component stretched along x1`,
    weights: [0.5, 0.5],
    means: [[-M, -M], [M, M]],
    covariances: [1, [[4, 0], [0, 0.25]]],
  },
  {
    key: "stretch-across",
    setting: "S2 stretched across",
    description: `1/2 N(-${M} 1, I) + 1/2 N(${M} 1, S2), S2 with variance 4 along (1, -1) and 1/4 along (1, 1): stretched across the separation`,
    weights: [0.5, 0.5],
    means: [[-M, -M], [M, M]],
    covariances: [1, ACROSS],
  },
];

interface E2Fits {
  t: GaussianMixture;
  qa: [Approximation, number];
  qb: [Approximation, number];
  qr: [Approximation, number];
}

function e2Fits(ctx: Ctx, p: Problem): Promise<E2Fits> {
  return cached(ctx, `e2:${p.key}`, async () => {
    const t = mixture(ctx, p.weights, p.means, p.covariances);
    const qa = await timed(() => mfvi(t, { ...common(ctx), init: { center: p.means[0], scale: 1 } }));
    const qb = await timed(() => mfvi(t, { ...common(ctx), init: { center: p.means[1], scale: 1 } }));
    const qr = await timed(() => rovi(t, common(ctx)));
    return { t, qa, qb, qr };
  });
}

async function e2(ctx: Ctx): Promise<Omit<ExperimentResult, "seconds">> {
  const rows: ResultRow[] = [];
  const panels: ContourPanel[] = [];
  for (const p of E2_PROBLEMS) {
    const { t, qa, qb, qr } = await e2Fits(ctx, p);
    const fit = ([q, seconds]: [Approximation, number], extra: Record<string, number> = {}) => ({
      kl: q.kl,
      masses: massesOf(ctx, q, t),
      seconds,
      status: q.status,
      extra: { sweeps: q.iterations, ...extra },
    });
    rows.push(row("E2", p.setting, "mfvi-a", "MFVI, init at component 1", fit(qa)));
    rows.push(row("E2", p.setting, "mfvi-b", "MFVI, init at component 2", fit(qb)));
    rows.push(row("E2", p.setting, "rovi", "RoVI", fit(qr, { angle: angle2(qr[0].rotation) })));
    if (ctx.figures) {
      const box = mixtureBox(t);
      const tg = grid2(ofTarget(t), box, ctx.sizes.grid);
      const g = (q: Approximation) => grid2(ofApprox(q), box, ctx.sizes.grid);
      panels.push(
        panel(`${p.setting}: MFVI (init 1)`, box, tg, [{ grid: g(qa[0]), color: COLORS.mfvi, label: "MFVI" }]),
        panel(`${p.setting}: MFVI (init 2)`, box, tg, [{ grid: g(qb[0]), color: COLORS.mfvi2, label: "MFVI" }]),
        panel(`${p.setting}: RoVI`, box, tg, [{ grid: g(qr[0]), color: COLORS.rovi, label: "RoVI" }]),
      );
    }
  }
  const get = (setting: string, method: string) => rows.find((r) => r.setting === setting && r.method === method)!;
  const w = get("w = 0.3", "rovi");
  const a = get("w = 0.3", "mfvi-a");
  const b = get("w = 0.3", "mfvi-b");
  const unequal = E2_PROBLEMS.slice(1).map((p) => {
    const best = Math.min(get(p.setting, "mfvi-a").kl!, get(p.setting, "mfvi-b").kl!);
    const r = get(p.setting, "rovi");
    return `${p.setting}: MFVI's better KL ${fmtKl(best, 3)}, RoVI's ${fmtKl(r.kl, 3)} (masses ${fmtMasses(r.masses)})`;
  });
  const summary = [
    `With w = 0.3 MFVI covers one component: KL ${fmtKl(a.kl, 3)} on the light one (init 1) and ${fmtKl(b.kl, 3)} on the heavy one (init 2), at the bounds log(1/0.3) = ${Math.log(1 / 0.3).toFixed(3)} and log(1/0.7) = ${Math.log(1 / 0.7).toFixed(3)} of fact 3.`,
    Math.abs(w.masses![0] - 0.3) < 0.02
      ? `RoVI recovers the weights: masses ${fmtMasses(w.masses)}, KL ${fmtKl(w.kl, 4)}.`
      : `RoVI's masses are ${fmtMasses(w.masses)} (KL ${fmtKl(w.kl, 4)}): not the weights (0.3, 0.7).`,
    `With unequal covariances no rotation makes the target a product, so RoVI's KL stays above 0, but it is still far below MFVI's: ${unequal.join("; ")}.`,
    `RoVI's masses there are its best compromise for a product fit, not the weights (1/2, 1/2).`,
  ].join(" ");
  return {
    id: "E2",
    title: EXPERIMENT_TITLES.E2,
    setup:
      E2_PROBLEMS.map((p) => `- **${p.setting}**: ${p.description}.`).join("\n") +
      `\n\nMFVI from factors centred on component 1 and on component 2 (scale 1); RoVI with its defaults. Masses as in E1.`,
    rows,
    tables: [
      {
        title: "E2: KL(q || pi) of MFVI and RoVI",
        columns: ["mixture", "method", "masses (1st / 2nd)", "KL", "log(1/w_k) (1st / 2nd)", "status", "time (s)"],
        rows: rows.map((r) => {
          const p = E2_PROBLEMS.find((q) => q.setting === r.setting)!;
          return [r.setting, r.label, fmtMasses(r.masses), fmtKl(r.kl), p.weights.map((x) => Math.log(1 / x).toFixed(3)).join(" / "), r.status, fmtS(r.seconds)];
        }),
      },
    ],
    figures: ctx.figures
      ? [
          {
            file: "e2-contours.svg",
            caption: "E2: target contours (grey) and fitted contours (dashed) at 50%, 10%, 1%, 0.1% of the target's peak density.",
            svg: contourFigure(panels, { columns: 3, width: 200, height: 200, title: "E2: asymmetric mixtures" }),
          },
        ]
      : [],
    summary,
  };
}

/** Where E3's chains start: inside the basin of the lighter component (the boundary is at t ~ -0.07 on the diagonal). */
const E3_START = [-1, -1];

async function e3(ctx: Ctx): Promise<Omit<ExperimentResult, "seconds">> {
  const p = E2_PROBLEMS[0];
  const { t, qa, qb, qr } = await e2Fits(ctx, p);
  const s = ctx.sizes;
  const chains = async (init: number[]) =>
    timed(() => lmc(t, { ...common(ctx), step: LMC_STEP, steps: s.lmcSteps, chains: s.lmcChains, burnIn: s.lmcBurnIn, thin: s.lmcThin, init }));
  const [light, sl] = await chains(E3_START);
  const [mid, sm] = await chains([0, 0]);
  const dLight = finiteRows(light.samples, 2);
  const dMid = finiteRows(mid.samples, 2);
  const dirs = [[1, 0], [0, 1], [S45, S45]];
  const w1 = (q: Approximation | Float64Array) => dirs.map((u) => marginalW1(q, t, u, { seed: ctx.seed }));
  const fit = ([q, seconds]: [Approximation, number]) => ({ kl: q.kl, masses: massesOf(ctx, q, t), w1: w1(q), seconds, status: q.status });
  const rows = [
    row("E3", p.setting, "mfvi-a", "MFVI, init at the light component", fit(qa)),
    row("E3", p.setting, "mfvi-b", "MFVI, init at the heavy component", fit(qb)),
    row("E3", p.setting, "rovi", "RoVI", fit(qr)),
    row("E3", p.setting, "lmc", `LMC (ULA), common start (${E3_START.join(", ")})`, {
      masses: massesOf(ctx, dLight, t),
      w1: w1(dLight),
      seconds: sl,
      status: light.status,
      extra: { draws: dLight.length / 2 },
    }),
    row("E3", p.setting, "lmc-mid", "LMC (ULA), common start (0, 0)", {
      masses: massesOf(ctx, dMid, t),
      w1: w1(dMid),
      seconds: sm,
      status: mid.status,
      extra: { draws: dMid.length / 2 },
    }),
  ];
  const figures: Figure[] = [];
  if (ctx.figures) {
    const curves = (): MarginalCurve[] => [
      { label: "MFVI (light)", color: COLORS.mfvi, approx: qa[0], dash: "6 3" },
      { label: "MFVI (heavy)", color: COLORS.mfvi2, approx: qb[0], dash: "6 3" },
      { label: "RoVI", color: COLORS.rovi, approx: qr[0], dash: "8 3" },
      { label: `LMC from (${E3_START.join(", ")})`, color: COLORS.lmc, draws: dLight },
    ];
    figures.push({
      file: "e3-marginals.svg",
      caption: `E3: marginal densities of x1 and of (x1 + x2)/sqrt 2 for ${p.description} against the exact marginals (LMC: histograms of its draws).`,
      svg: lineFigure([marginalPanel("marginal of x1", t, [1, 0], "x1", curves()), marginalPanel("marginal of (x1 + x2)/sqrt 2", t, [S45, S45], "(x1 + x2)/sqrt 2", curves())], {
        columns: 2,
        width: 340,
        height: 220,
        title: "E3: 0.3 N(-3 1, I) + 0.7 N(3 1, I)",
      }),
    });
    const box = mixtureBox(t);
    const tg = grid2(ofTarget(t), box, s.grid);
    figures.push({
      file: "e3-lmc.svg",
      caption: "E3: where ULA's chains end up from a common start (draws over the target's contours), and RoVI's fit for comparison.",
      svg: contourFigure(
        [
          panel(`LMC from (${E3_START.join(", ")})`, box, tg, [], { xy: dLight, color: COLORS.lmc, label: "LMC draws" }),
          panel("LMC from (0, 0)", box, tg, [], { xy: dMid, color: COLORS.lmc, label: "LMC draws" }),
          panel("RoVI", box, tg, [{ grid: grid2(ofApprox(qr[0]), box, s.grid), color: COLORS.rovi, label: "RoVI" }]),
        ],
        { columns: 3, width: 200, height: 200 },
      ),
    });
  }
  const get = (method: string) => rows.find((r) => r.method === method)!;
  const worst = (r: ResultRow) => Math.max(...r.w1!);
  const r = get("rovi");
  const l = get("lmc");
  const range = (rs: ResultRow[]) => {
    const all = rs.flatMap((x) => x.w1!);
    return `${fmt(Math.min(...all))} to ${fmt(Math.max(...all))}`;
  };
  const summary = [
    `RoVI's marginals match the exact ones: W1 at most ${fmt(worst(r))} over the three directions, against ${range([get("mfvi-a"), get("mfvi-b")])} for MFVI (which keeps one component) and ${range([l])} for LMC from (${E3_START.join(", ")}).`,
    `The chains started inside the light component's basin put ${fmtMass(l.masses![0])} of their draws on it, whose weight is 0.3: Langevin chains split between the modes by basin of attraction, not by weight, and in ${ctx.sizes.lmcSteps} steps hardly any crosses the barrier.`,
    `From (0, 0), just inside the heavy component's basin (the basins meet at x1 = x2 = log(3/7)/12 = -0.07), the split is ${fmtMasses(get("lmc-mid").masses)}: close to the weights here, but only because of where the start happens to be.`,
  ].join(" ");
  return {
    id: "E3",
    title: EXPERIMENT_TITLES.E3,
    setup:
      `The w = 0.3 mixture of E2, ${p.description}. W1 = integral |F_q - F_pi| between each method's 1-D marginal and the exact one, along x1, x2 and the diagonal (x1 + x2)/sqrt 2. ` +
      `LMC as in E1 (ULA, step ${LMC_STEP}, ${s.lmcChains} chains) from a common start: (${E3_START.join(", ")}), inside the lighter component's basin, and, for comparison, (0, 0).`,
    rows,
    tables: [
      {
        title: "E3: W1 to the exact marginals",
        columns: ["method", "masses (light / heavy)", "W1 x1", "W1 x2", "W1 diagonal", "time (s)"],
        rows: rows.map((q) => [q.label, fmtMasses(q.masses), ...q.w1!.map((v) => v.toFixed(4)), fmtS(q.seconds)]),
      },
    ],
    figures,
    summary,
  };
}

// ---------------------------------------------------------------------------------------------
// E4

async function e4(ctx: Ctx): Promise<Omit<ExperimentResult, "seconds">> {
  const rows: ResultRow[] = [];
  const normals = normalStream(ctx.seed);
  for (const d of ctx.sizes.e4Dims) {
    const raw = Array.from(normals(d));
    const norm = Math.sqrt(raw.reduce((acc, v) => acc + v * v, 0));
    const u = raw.map((v) => v / norm);
    const alignment = Math.max(...u.map(Math.abs));
    const t = mixture(ctx, [0.5, 0.5], [u.map((v) => -M * v), u.map((v) => M * v)], [1, 1]);
    const setting = `d = ${d}`;
    const [q, sq] = await timed(() => mfvi(t, common(ctx)));
    const [r, sr] = await timed(() => rovi(t, common(ctx)));
    rows.push(row("E4", setting, "mfvi", "MFVI", { kl: q.kl, masses: massesOf(ctx, q, t), seconds: sq, status: q.status, extra: { d, alignment, sweeps: q.iterations } }));
    rows.push(
      row("E4", setting, "rovi", "RoVI", { kl: r.kl, masses: massesOf(ctx, r, t), seconds: sr, status: r.status, extra: { d, alignment, sweeps: r.iterations } }),
    );
    ctx.say(`  E4 d = ${d}: MFVI ${sq.toFixed(1)} s, RoVI ${sr.toFixed(1)} s`);
  }
  const dims = ctx.sizes.e4Dims;
  const by = (method: string) => dims.map((d) => rows.find((x) => x.setting === `d = ${d}` && x.method === method)!);
  const mf = by("mfvi");
  const ro = by("rovi");
  const figures: Figure[] = ctx.figures
    ? [
        {
          file: "e4-dimension.svg",
          caption: "E4: KL and fitting time against the dimension d (two components at -3u and 3u, u a random unit vector).",
          svg: lineFigure(
            [
              {
                title: "KL(q || pi)",
                xLabel: "dimension d",
                yLabel: "KL",
                xLog: true,
                xRange: [dims[0] / 1.3, dims[dims.length - 1] * 1.3],
                series: [
                  { x: dims, y: mf.map((x) => x.kl!), color: COLORS.mfvi, label: "MFVI", markers: true },
                  { x: dims, y: ro.map((x) => x.kl!), color: COLORS.rovi, label: "RoVI", markers: true },
                  { x: [dims[0] / 1.3, dims[dims.length - 1] * 1.3], y: [LN2, LN2], color: "#999", label: "log 2", dash: "4 3", width: 1 },
                ],
              },
              {
                title: "time to fit",
                xLabel: "dimension d",
                yLabel: "seconds",
                xLog: true,
                yLog: true,
                xRange: [dims[0] / 1.3, dims[dims.length - 1] * 1.3],
                series: [
                  { x: dims, y: mf.map((x) => x.seconds), color: COLORS.mfvi, label: "MFVI", markers: true },
                  { x: dims, y: ro.map((x) => x.seconds), color: COLORS.rovi, label: "RoVI", markers: true },
                ],
              },
            ],
            { columns: 2, width: 300, height: 200, title: "E4: dimension", legend: "below" },
          ),
        },
      ]
    : [];
  const collapsed = mf.filter((x) => Math.max(...x.masses!) > 0.99);
  const roviGood = ro.filter((x) => Math.abs(x.masses![0] - 0.5) < 0.02);
  const summary = [
    `MFVI collapses onto one component in ${collapsed.length} of ${dims.length} dimensions (${mf.map((x) => `d = ${x.extra.d}: majority mass ${fmtMass(Math.max(...x.masses!))}, KL ${fmtKl(x.kl, 3)}`).join("; ")}).`,
    mf.some((x) => Math.max(...x.masses!) <= 0.99)
      ? `Where it does not, the random direction lies close to a coordinate axis (largest |u_i| = ${mf.filter((x) => Math.max(...x.masses!) <= 0.99).map((x) => x.extra.alignment.toFixed(2)).join(", ")}; 1 is axis-aligned, where MFVI is exact).`
      : "",
    `RoVI keeps masses 1/2, 1/2 (within 0.02) in ${roviGood.length} of ${dims.length}, with KL ${ro.map((x) => fmtKl(x.kl, 3)).join(", ")}.`,
    `Time: MFVI ${mf.map((x) => fmtS(x.seconds)).join(", ")} s, RoVI ${ro.map((x) => fmtS(x.seconds)).join(", ")} s for d = ${dims.join(", ")}; each rotation step costs O(n d^2) with n = 128 d draws.`,
  ]
    .filter(Boolean)
    .join(" ");
  return {
    id: "E4",
    title: EXPERIMENT_TITLES.E4,
    setup:
      `1/2 N(-${M} u, I) + 1/2 N(${M} u, I) in d = ${dims.join(", ")} dimensions, u a random unit vector (normal draws from the kernels' generator, seed ${ctx.seed}). ` +
      `MFVI and RoVI with their defaults (d > 2: sampled quadrature, 128 Latin-hypercube samples, 256 cells per factor; MFVI's start is centred on one component chosen by the seed; RoVI starts from the mixture's principal axes and tempers).`,
    rows,
    tables: [
      {
        title: "E4: masses, KL and time against the dimension",
        columns: ["d", "largest |u_i|", "method", "masses", "KL", "sweeps", "status", "time (s)"],
        rows: rows.map((x) => [String(x.extra.d), x.extra.alignment.toFixed(3), x.label, fmtMasses(x.masses), fmtKl(x.kl), String(x.extra.sweeps), x.status, fmtS(x.seconds)]),
      },
    ],
    figures,
    summary,
  };
}

// ---------------------------------------------------------------------------------------------
// E5

/** A cap on RoVI's sweeps in E5 (it converges in 20 to 40 for most seeds; a few wander for 200). */
const E5_MAX_SWEEPS = 80;

/** The share of draws (n x 2) with mu_1 < mu_2. */
function labelFraction(x: Float64Array): number {
  let a = 0;
  const n = x.length / 2;
  for (let j = 0; j < n; j++) if (x[2 * j] < x[2 * j + 1]) a++;
  return a / n;
}

async function e5(ctx: Ctx): Promise<Omit<ExperimentResult, "seconds">> {
  const s = ctx.sizes;
  const t = labelSwitchingPosterior();
  const data = faithfulEruptions;
  const mean = data.reduce((a, b) => a + b, 0) / data.length;
  const G = 64;
  const rows: ResultRow[] = [];
  const frac = (q: Approximation) => labelFraction(q.sample(20_000, { seed: ctx.seed, stratified: true }));
  const fitRow = (method: string, label: string, q: Approximation, seconds: number) =>
    row("E5", "Old Faithful", method, label, { kl: q.kl, seconds, status: q.status, extra: { labelFraction: frac(q), sweeps: q.iterations, mean1: q.mean[0], mean2: q.mean[1] } });

  const [qm, sm] = await timed(() => mfvi(t, { ...common(ctx), gridSize: G }));
  rows.push(fitRow("mfvi", "MFVI", qm, sm));
  ctx.say(`  E5 MFVI ${sm.toFixed(1)} s`);
  if (s.e5Contrasts) {
    const [qi, si] = await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: "identity" }));
    rows.push(fitRow("rovi-identity", "RoVI, identity start (tempered)", qi, si));
    ctx.say(`  E5 RoVI from the identity ${si.toFixed(1)} s`);
  }
  // exploratory Langevin draws from the diagonal mu_1 = mu_2 (a saddle between the two labellings)
  const [ch, sl] = await timed(() => lmc(t, { ...common(ctx), step: 1e-4, steps: s.e5Steps, chains: s.e5Chains, init: [mean, mean] }));
  const draws = finiteRows(ch.samples, 2);
  rows.push(row("E5", "Old Faithful", "lmc", `LMC (ULA), ${s.e5Chains} chains from (${mean.toFixed(2)}, ${mean.toFixed(2)})`, { seconds: sl, status: ch.status, extra: { labelFraction: labelFraction(draws) } }));
  ctx.say(`  E5 LMC ${sl.toFixed(1)} s`);
  if (s.e5Contrasts) {
    const axes = await principalAxes(draws, 2, ctx.backend ? { backend: ctx.backend } : {});
    const [qp, sp] = await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: axes, temper: false }));
    rows.push(fitRow("rovi-axes", "RoVI, LMC axes, default factor start", qp, sp));
  }
  // the draws' principal axes, and the factors started from the draws' moments along them
  const [qr, sr] = await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: { samples: draws }, temper: false, maxSweeps: E5_MAX_SWEEPS }));
  rows.push(fitRow("rovi", "RoVI, LMC axes and moments", qr, sr));
  ctx.say(`  E5 RoVI ${sr.toFixed(1)} s`);

  const figures: Figure[] = [];
  if (ctx.figures) {
    // log Z and the marginal of mu_1 near each mode, by integrating over mu_2 on a fine grid
    const windows: [number, number][] = [
      [1.85, 2.3],
      [4.05, 4.5],
    ];
    const mu2 = linspace(1.5, 5, 701);
    const dm = mu2[1] - mu2[0];
    const along = (f: LogDensity, ts: Float64Array, shift: number) => {
      const p = new Float64Array(2 * ts.length * mu2.length);
      let k = 0;
      for (const a of ts)
        for (const b of mu2) {
          p[k++] = a;
          p[k++] = b;
        }
      const lp = f(p);
      return Float64Array.from(ts, (_, i) => {
        let acc = 0;
        for (let j = 0; j < mu2.length; j++) acc += Math.exp(lp[i * mu2.length + j] - shift);
        return acc * dm;
      });
    };
    const ts = windows.map(([a, b]) => linspace(a, b, 226));
    const shift = t.logDensity(qm.mean); // near a mode: keeps exp() in range
    const exact = ts.map((x) => along(ofTarget(t), x, shift));
    const total = exact.reduce((acc, y, w) => acc + y.reduce((a, b) => a + b, 0) * (ts[w][1] - ts[w][0]), 0);
    const logZ = shift + Math.log(total);
    const normalised: LogDensity = (p) => t.logDensityBatch(p).map((v) => v - logZ);
    // the fits are normalised densities already
    const curves: { label: string; color: string; dash: string; f: LogDensity }[] = [
      { label: "MFVI", color: COLORS.mfvi, dash: "6 3", f: ofApprox(qm) },
      { label: "RoVI", color: COLORS.rovi, dash: "8 3", f: ofApprox(qr) },
    ];
    // contours: the whole posterior with the LMC draws, then each mode up close with both fits
    const full: Box = { x: [1.7, 4.7], y: [1.7, 4.7] };
    const [ma, mb] = [Math.min(qm.mean[0], qm.mean[1]), Math.max(qm.mean[0], qm.mean[1])];
    const zoom = (x: number, y: number): Box => ({ x: [x - 0.18, x + 0.18], y: [y - 0.18, y + 0.18] });
    const n2 = s.grid + 40;
    const tgFull = grid2(normalised, full, n2);
    const closeUp = (title: string, box: Box): ContourPanel => {
      const tg = grid2(normalised, box, n2);
      const fits = curves.map((c) => ({ grid: grid2(c.f, box, n2), color: c.color, label: c.label }));
      return { ...panel(title, box, tg, fits), xLabel: "mu_1", yLabel: "mu_2" };
    };
    figures.push({
      file: "e5-contours.svg",
      caption:
        "E5: the posterior of (mu_1, mu_2) (grey contours at 50%, 10%, 1%, 0.1% of its peak density; normalised numerically) with the exploratory LMC draws, " +
        "and each mode up close with the MFVI and RoVI densities (dashed, at the same levels).",
      svg: contourFigure(
        [
          { ...panel("posterior and LMC draws", full, tgFull, [], { xy: draws, color: COLORS.lmc, label: "LMC draws" }), xLabel: "mu_1", yLabel: "mu_2" },
          closeUp("the mode mu_1 < mu_2", zoom(ma, mb)),
          closeUp("the mode mu_1 > mu_2", zoom(mb, ma)),
        ],
        { columns: 3, width: 220, height: 220, title: "E5: Old Faithful label switching" },
      ),
    });
    figures.push({
      file: "e5-marginals.svg",
      caption: "E5: the marginal density of mu_1 near each mode: the posterior's (numerical integration over mu_2) against MFVI's and RoVI's.",
      svg: lineFigure(
        windows.map((wdw, w) => ({
          title: `mu_1 near ${w === 0 ? "the short-eruption mode" : "the long-eruption mode"}`,
          xLabel: "mu_1",
          yLabel: "density",
          xRange: wdw,
          series: [
            { x: ts[w], y: exact[w].map((v) => v / total), color: COLORS.target, label: "posterior", width: 2.4 },
            ...curves.map((c) => ({ x: ts[w], y: along(c.f, ts[w], 0), color: c.color, label: c.label, dash: c.dash })),
          ],
        })),
        { columns: 2, width: 300, height: 200 },
      ),
    });
  }
  const get = (method: string) => rows.find((r) => r.method === method);
  const m = get("mfvi")!;
  const r = get("rovi")!;
  const mShare = Math.max(m.extra.labelFraction, 1 - m.extra.labelFraction);
  const rf = r.extra.labelFraction;
  const gain = m.kl! - r.kl!;
  const parts = [
    `MFVI puts ${mShare === 1 ? "all of its 20,000 draws" : `${fmtMass(mShare)} of its mass`} on one labelling (mu_1 ${m.extra.labelFraction > 0.5 ? "<" : ">"} mu_2).`,
    Math.abs(rf - 0.5) < 0.1
      ? `RoVI, started from the principal axes and moments of exploratory LMC draws, carries ${rf.toFixed(3)} on mu_1 < mu_2 and ${(1 - rf).toFixed(3)} on mu_1 > mu_2: about half on each labelling.`
      : `RoVI, started from the principal axes and moments of exploratory LMC draws, carries ${rf.toFixed(3)} on mu_1 < mu_2: not the expected half.`,
    r.status === "converged" ? "" : `(It stopped at the cap of ${E5_MAX_SWEEPS} sweeps without meeting the tolerance: status ${r.status}.)`,
    `Its negative ELBO is ${fmtKl(gain, 3)} below MFVI's (${fmtKl(r.kl, 3)} against ${fmtKl(m.kl, 3)}); covering both of two equal, well separated modes gains log 2 = ${LN2.toFixed(3)} at best.`,
  ];
  // the drop of log pi from a mode (MFVI's mean) to the midpoint of the two modes
  const mid = (qm.mean[0] + qm.mean[1]) / 2;
  const barrier = t.logDensity(qm.mean) - t.logDensity([mid, mid]);
  const ri = get("rovi-identity");
  if (ri)
    parts.push(
      `From the identity rotation (with the default tempering) RoVI does not find the second labelling: ${fmtMass(Math.max(ri.extra.labelFraction, 1 - ri.extra.labelFraction))} on one of them and the negative ELBO of MFVI (${fmtKl(ri.kl, 3)}). ` +
        `The identity is a symmetric saddle for the rotation, and the modes are too peaked for tempering to merge them: log pi falls by ${barrier.toFixed(0)} from a mode to the midpoint between the modes, still ${(0.05 * barrier).toFixed(0)} at beta = 0.05.`,
    );
  const rp = get("rovi-axes");
  if (rp)
    parts.push(
      `With the LMC axes but the default starting factors (N(0, 1) in the rotated coordinates, far from the data) RoVI settles in a poor local optimum: negative ELBO ${fmtKl(rp.kl, 1)}, P(mu_1 < mu_2) = ${rp.extra.labelFraction.toFixed(3)} but its modes in the wrong place (its mean is (${rp.extra.mean1.toFixed(2)}, ${rp.extra.mean2.toFixed(2)}), against (${r.extra.mean1.toFixed(2)}, ${r.extra.mean2.toFixed(2)}) for the good fit); starting the factors at the draws' moments fixes this.`,
    );
  return {
    id: "E5",
    title: EXPERIMENT_TITLES.E5,
    setup:
      `The posterior of (mu_1, mu_2) in x_n ~ 1/2 N(mu_1, 0.4^2) + 1/2 N(mu_2, 0.4^2), N(mean, 2^2) priors, for the ${data.length} Old Faithful eruption durations (labelSwitchingPosterior()); unnormalised, so "KL" is the negative ELBO E_q[V] - H(q). ` +
      `All fits use ${G} cells per factor (each density evaluation costs ${data.length} data points). ` +
      `LMC: ULA, step 1e-4, ${s.e5Chains} chains started on the diagonal at the data mean (${mean.toFixed(3)}, ${mean.toFixed(3)}), ${s.e5Steps} steps; its final states give RoVI's start (rotationInit: { samples }): their principal axes as the rotation and their means and spreads along those axes as the factors. ` +
      `RoVI then runs with temper: false and at most ${E5_MAX_SWEEPS} sweeps. P(mu_1 < mu_2) is the share of 20,000 stratified draws (LMC: of its chains).`,
    rows,
    tables: [
      {
        title: "E5: label switching on Old Faithful",
        columns: ["method", "P(mu_1 < mu_2)", "-ELBO", "sweeps", "status", "time (s)"],
        rows: rows.map((x) => [x.label, x.extra.labelFraction.toFixed(4), fmtKl(x.kl, 3), x.extra.sweeps === undefined ? "-" : String(x.extra.sweeps), x.status, fmtS(x.seconds)]),
      },
    ],
    figures,
    summary: parts.filter(Boolean).join(" "),
  };
}

// ---------------------------------------------------------------------------------------------
// the study

const RUNNERS: Record<ExperimentId, (ctx: Ctx) => Promise<Omit<ExperimentResult, "seconds">>> = { E1: e1, E2: e2, E3: e3, E4: e4, E5: e5 };

/** Parses experiment ids ("E1", "e3", "1"); throws on unknown ones. */
export function parseExperiments(list: readonly string[]): ExperimentId[] {
  const out: ExperimentId[] = [];
  for (const raw of list) {
    const id = (/^\d+$/.test(raw.trim()) ? `E${raw.trim()}` : raw.trim().toUpperCase()) as ExperimentId;
    if (!EXPERIMENT_IDS.includes(id)) throw new RangeError(`unknown experiment ${JSON.stringify(raw)}; expected some of ${EXPERIMENT_IDS.join(", ")}`);
    if (!out.includes(id)) out.push(id);
  }
  return EXPERIMENT_IDS.filter((id) => out.includes(id));
}

/** Runs the study (or the experiments in `only`) and returns its tables, figures and report. */
export async function runStudy(options: StudyOptions = {}): Promise<StudyResult> {
  const size = options.size ?? "default";
  if (!(size in SIZES)) throw new RangeError(`size must be 'default', 'quick' or 'full'; got ${JSON.stringify(size)}`);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53); got ${seed}`);
  const ids = options.only ? parseExperiments(options.only) : [...EXPERIMENT_IDS];
  const backend = await ready(options.backend);
  const say = options.onProgress ?? (() => {});
  const ctx: Ctx = { seed, backend: options.backend, sizes: SIZES[size], figures: options.figures ?? true, say, cache: new Map() };
  const t0 = performance.now();
  const experiments: ExperimentResult[] = [];
  for (const id of ids) {
    const [r, seconds] = await timed(() => RUNNERS[id](ctx));
    const e = { ...r, seconds };
    experiments.push(e);
    say(`[${id}] ${seconds.toFixed(1)} s  ${headline(e)}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: StudyResult = {
    seed,
    backend,
    size,
    experiments,
    rows: experiments.flatMap((e) => e.rows),
    figures: experiments.flatMap((e) => e.figures),
    report: "",
    text: "",
    seconds,
  };
  result.report = markdownReport(result);
  result.text = experiments.map((e) => e.tables.map((t) => textTable(t)).join("\n\n")).join("\n\n");
  return result;
}

/** One line per experiment for the progress output. */
function headline(e: ExperimentResult): string {
  const f = (setting: string, method: string) => e.rows.find((r) => r.setting === setting && r.method === method);
  switch (e.id) {
    case "E1": {
      const a = f("m = 3", "mfvi-a");
      const r = f("m = 3", "rovi");
      return `m = 3: MFVI majority mass ${fmtMass(Math.max(...a!.masses!))} (KL ${fmtKl(a!.kl, 3)}); RoVI masses ${fmtMasses(r!.masses)} (KL ${fmtKl(r!.kl, 4)})`;
    }
    case "E2": {
      const r = f("w = 0.3", "rovi");
      return `w = 0.3: RoVI masses ${fmtMasses(r!.masses)}, KL ${fmtKl(r!.kl, 4)}; MFVI KL ${fmtKl(f("w = 0.3", "mfvi-a")!.kl, 3)} / ${fmtKl(f("w = 0.3", "mfvi-b")!.kl, 3)}`;
    }
    case "E3": {
      const w = (m: string) => Math.max(...e.rows.find((r) => r.method === m)!.w1!);
      return `largest W1: RoVI ${fmt(w("rovi"))}, MFVI ${fmt(w("mfvi-a"))} / ${fmt(w("mfvi-b"))}, LMC ${fmt(w("lmc"))} (LMC mass on the w = 0.3 component: ${fmtMass(e.rows.find((r) => r.method === "lmc")!.masses![0])})`;
    }
    case "E4": {
      const last = e.rows[e.rows.length - 1];
      return `${last.setting}: RoVI masses ${fmtMasses(last.masses)}, KL ${fmtKl(last.kl, 3)}, ${fmtS(last.seconds)} s`;
    }
    case "E5": {
      const m = e.rows.find((r) => r.method === "mfvi")!;
      const r = e.rows.find((r) => r.method === "rovi")!;
      return `P(mu_1 < mu_2): MFVI ${m.extra.labelFraction.toFixed(3)}, RoVI ${r.extra.labelFraction.toFixed(3)}`;
    }
  }
}

/** A table as aligned plain text. */
export function textTable(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [t.title, line(t.columns), widths.map((w) => "-".repeat(w)).join("  "), ...t.rows.map(line)].join("\n");
}

/** A table as GitHub Markdown. */
export function markdownTable(t: Table): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return [`| ${t.columns.map(cell).join(" | ")} |`, `| ${t.columns.map(() => "---").join(" | ")} |`, ...t.rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

function markdownReport(r: StudyResult): string {
  const out: string[] = [];
  out.push("# Mode collapse of mean-field VI, and rotational VI: the study");
  out.push("");
  out.push(
    `Generated by \`rovi study\` (seed ${r.seed}, backend ${r.backend}, size ${r.size}; experiments ${r.experiments.map((e) => e.id).join(", ")}) in ${r.seconds.toFixed(1)} s. ` +
      `It reruns the numerical study of Sheng, Wu and Gonzalez-Sanz, "Mode Collapse of Mean-Field Variational Inference" (arXiv 2510.17063) with this library: ` +
      `mean-field VI (MFVI, histogram factors by coordinate ascent), Gaussian mean-field VI (ADVI), rotational VI (RoVI: MFVI in a learned rotated frame) and unadjusted Langevin (ULA). ` +
      `KL is KL(q || pi) unless stated; masses are m_k = E_q[w_k p_k(X) / pi(X)]. Times are wall-clock seconds on the machine that ran it.`,
  );
  for (const e of r.experiments) {
    out.push("", `## ${e.id}. ${e.title}`, "", e.setup, "");
    for (const t of e.tables) out.push(`**${t.title}** (${e.seconds.toFixed(1)} s)`, "", markdownTable(t), "");
    for (const f of e.figures) out.push(`![${f.caption}](${f.file})`, "", `*${f.caption}*`, "");
    out.push(`**What it shows.** ${e.summary}`);
  }
  out.push("");
  return out.join("\n");
}
