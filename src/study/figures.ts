// The study's figure panels: density contours of targets and fits on 2-D grids, and 1-D
// marginal curves against the exact marginals, drawn by src/svg.ts.
import type { Approximation, GaussianMixture } from "../index.js";
import { COLORS, type ContourLayer, type ContourPanel, type Grid2D, type LinePanel, type Series } from "../svg.js";
import { exactMarginal, histogram, linspace, marginalOf, ofApprox, ofTarget, type LogDensity } from "./integrals.js";

export interface Box {
  x: [number, number];
  y: [number, number];
}

/** A square box around a 2-D mixture's components (3.5 standard deviations beyond each mean). */
export function mixtureBox(t: GaussianMixture): Box {
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

/** A log density on an n x n grid over the box, with its largest value. */
export function grid2(f: LogDensity, box: Box, n: number): Grid2D & { max: number } {
  const g = gridOf(box, n);
  const values = f(g.points);
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return { xs: g.xs, ys: g.ys, values, max };
}

/** Density contours at these fractions of a peak density. */
const FRACTIONS = [0.5, 0.1, 0.01, 0.001];
const levels = (max: number) => FRACTIONS.map((f) => max + Math.log(f));

export interface FitLayer {
  grid: Grid2D;
  color: string;
  label: string;
}

export interface Draws {
  xy: Float64Array;
  color: string;
  label: string;
}

/** A panel: the target's contours (grey) and fits' contours (dashed, colour) at the target's levels. */
export function panel(title: string, box: Box, target: Grid2D & { max: number }, fits: FitLayer[], points?: Draws): ContourPanel {
  const layers: ContourLayer[] = [{ grid: target, levels: levels(target.max), color: "#9a9a9a", label: "target", width: 1.1 }];
  for (const f of fits) layers.push({ grid: f.grid, levels: levels(target.max), color: f.color, label: f.label, dash: "5 3", width: 1.7 });
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

/** One fit of a 2-D mixture, drawn in its own panel over the target's contours. */
export interface FitPanel {
  title: string;
  q: Approximation;
  color: string;
  label: string;
}

/** Panels of 2-D mixture fits, one per fit, on n x n grids over the mixture's box; `draws` adds a panel of draws. */
export function fitPanels(t: GaussianMixture, n: number, fits: FitPanel[], draws?: Draws & { title: string }): ContourPanel[] {
  const box = mixtureBox(t);
  const tg = grid2(ofTarget(t), box, n);
  const panels = fits.map((f) => panel(f.title, box, tg, [{ grid: grid2(ofApprox(f.q), box, n), color: f.color, label: f.label }]));
  if (draws) panels.push(panel(draws.title, box, tg, [], draws));
  return panels;
}

/** At most `max` rows of `x` (n x d), evenly spaced. */
function thin(x: Float64Array, d: number, max: number): Float64Array {
  const n = x.length / d;
  if (n <= max) return x;
  const out = new Float64Array(max * d);
  for (let k = 0; k < max; k++) out.set(x.subarray(Math.floor((k * n) / max) * d, Math.floor((k * n) / max) * d + d), k * d);
  return out;
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

/** A curve of a marginal panel: an approximation's marginal density, or a histogram of draws. */
export interface MarginalCurve {
  label: string;
  color: string;
  dash?: string;
  approx?: Approximation;
  draws?: Float64Array;
}

/** Marginal densities of approximations and draws against the exact marginal, along u. */
export function marginalPanel(title: string, t: GaussianMixture, u: number[], xLabel: string, curves: MarginalCurve[]): LinePanel {
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
