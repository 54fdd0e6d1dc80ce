// Small dependency-free SVG plots for the study (src/study/): contour plots of 2-D log
// densities (marching squares) and 1-D line plots, with axes, ticks, labels, titles and
// legends. Pure string building: works in Node and in browsers alike.
import { contourLines, type Grid2D } from "./contours.js";

export { contourLines, type Grid2D };

/** Contour lines of one grid at some levels, drawn in one style. */
export interface ContourLayer {
  readonly grid: Grid2D;
  readonly levels: readonly number[];
  readonly color: string;
  /** Legend entry; omitted from the legend when empty. */
  readonly label: string;
  /** SVG stroke-dasharray, e.g. "4 3". */
  readonly dash?: string;
  readonly width?: number;
}

/** A scatter of 2-D points (row-major x, y pairs). */
export interface PointLayer {
  readonly points: ArrayLike<number>;
  readonly color: string;
  readonly label: string;
  readonly radius?: number;
}

export interface ContourPanel {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly xRange: readonly [number, number];
  readonly yRange: readonly [number, number];
  readonly layers: readonly ContourLayer[];
  readonly points?: readonly PointLayer[];
}

/** One curve of a line plot. `steps` draws a histogram-like staircase through (x, y) as bin centres. */
export interface Series {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: string;
  readonly label: string;
  readonly dash?: string;
  readonly width?: number;
  /** Draw circles at the data points. */
  readonly markers?: boolean;
  readonly steps?: boolean;
}

export interface LinePanel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
}

export interface FigureOptions {
  /** A title above all panels. */
  title?: string;
  /** Panels per row; default: all in one row (at most 3). */
  columns?: number;
  /** Plot-area width and height of each panel in px; default 240 x 240 (contours), 320 x 220 (lines). */
  width?: number;
  height?: number;
  /** Where each panel's legend goes: inside its top-right corner, or in a row under its x label. Default: inside for line plots, below for contour plots. */
  legend?: "inside" | "below";
}

/** A colour-blind-friendly palette (Okabe-Ito), by role. */
export const COLORS = {
  target: "#333333",
  mfvi: "#0072B2",
  mfvi2: "#56B4E9",
  advi: "#CC79A7",
  rovi: "#D55E00",
  lmc: "#009E73",
} as const;

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for SVG. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A short number: up to 4 significant digits, no trailing zeros, no "-0". */
export function fmt(v: number): string {
  if (v === 0 || Object.is(v, -0)) return "0";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

const px = (v: number) => (Math.round(v * 10) / 10).toString();

/** About `count` round tick values (1, 2, 5 x 10^k steps) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis over [lo, hi] (both > 0): 1, 2, 5 x 10^k, thinned to at most ~8. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++)
    for (const f of [1, 2, 5]) {
      const v = f * 10 ** k;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(Number(v.toPrecision(6)));
    }
  if (out.length > 8) return out.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return out;
}

interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

function axes(
  f: Frame,
  xTicks: number[],
  yTicks: number[],
  title: string,
  xLabel: string | undefined,
  yLabel: string | undefined,
  clipId: string,
): string[] {
  const out: string[] = [];
  out.push(`<defs><clipPath id="${clipId}"><rect x="${px(f.x0)}" y="${px(f.y0)}" width="${px(f.w)}" height="${px(f.h)}"/></clipPath></defs>`);
  out.push(`<rect x="${px(f.x0)}" y="${px(f.y0)}" width="${px(f.w)}" height="${px(f.h)}" fill="white" stroke="#999" stroke-width="1"/>`);
  for (const t of xTicks) {
    const x = f.sx(t);
    out.push(`<line x1="${px(x)}" y1="${px(f.y0 + f.h)}" x2="${px(x)}" y2="${px(f.y0 + f.h + 4)}" stroke="#555"/>`);
    out.push(`<line x1="${px(x)}" y1="${px(f.y0)}" x2="${px(x)}" y2="${px(f.y0 + f.h)}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${px(f.y0 + f.h + 15)}" font-size="10" text-anchor="middle" ${FONT}>${esc(fmt(t))}</text>`);
  }
  for (const t of yTicks) {
    const y = f.sy(t);
    out.push(`<line x1="${px(f.x0 - 4)}" y1="${px(y)}" x2="${px(f.x0)}" y2="${px(y)}" stroke="#555"/>`);
    out.push(`<line x1="${px(f.x0)}" y1="${px(y)}" x2="${px(f.x0 + f.w)}" y2="${px(y)}" stroke="#eee"/>`);
    out.push(`<text x="${px(f.x0 - 6)}" y="${px(y + 3.5)}" font-size="10" text-anchor="end" ${FONT}>${esc(fmt(t))}</text>`);
  }
  out.push(`<rect x="${px(f.x0)}" y="${px(f.y0)}" width="${px(f.w)}" height="${px(f.h)}" fill="none" stroke="#999" stroke-width="1"/>`);
  out.push(`<text x="${px(f.x0 + f.w / 2)}" y="${px(f.y0 - 8)}" font-size="12" font-weight="bold" text-anchor="middle" ${FONT}>${esc(title)}</text>`);
  if (xLabel) out.push(`<text x="${px(f.x0 + f.w / 2)}" y="${px(f.y0 + f.h + 30)}" font-size="11" text-anchor="middle" ${FONT}>${esc(xLabel)}</text>`);
  if (yLabel) {
    const x = f.x0 - 38;
    const y = f.y0 + f.h / 2;
    out.push(`<text x="${px(x)}" y="${px(y)}" font-size="11" text-anchor="middle" transform="rotate(-90 ${px(x)} ${px(y)})" ${FONT}>${esc(yLabel)}</text>`);
  }
  return out;
}

interface LegendEntry {
  label: string;
  color: string;
  dash?: string;
  kind: "line" | "point";
}

/** A legend in one row under the panel's x label (for plots whose corners hold data). */
function legendBelow(f: Frame, entries: LegendEntry[]): string[] {
  const shown = entries.filter((e) => e.label !== "");
  const out: string[] = [];
  const widths = shown.map((e) => e.label.length * 5.6 + 34);
  let x = f.x0 + f.w / 2 - widths.reduce((a, b) => a + b, 0) / 2;
  const cy = f.y0 + f.h + 44;
  shown.forEach((e, k) => {
    if (e.kind === "line")
      out.push(`<line x1="${px(x)}" y1="${px(cy)}" x2="${px(x + 20)}" y2="${px(cy)}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ""}/>`);
    else out.push(`<circle cx="${px(x + 10)}" cy="${px(cy)}" r="2.5" fill="${e.color}"/>`);
    out.push(`<text x="${px(x + 24)}" y="${px(cy + 3.5)}" font-size="10" ${FONT}>${esc(e.label)}</text>`);
    x += widths[k];
  });
  return out;
}

function legend(f: Frame, entries: LegendEntry[]): string[] {
  const shown = entries.filter((e) => e.label !== "");
  if (shown.length === 0) return [];
  const width = Math.max(...shown.map((e) => e.label.length)) * 5.6 + 30;
  const x = f.x0 + f.w - width - 4;
  const y = f.y0 + 4;
  const out = [`<rect x="${px(x)}" y="${px(y)}" width="${px(width)}" height="${px(shown.length * 14 + 6)}" fill="white" fill-opacity="0.85" stroke="#bbb"/>`];
  shown.forEach((e, k) => {
    const cy = y + 10 + k * 14;
    if (e.kind === "line")
      out.push(`<line x1="${px(x + 5)}" y1="${px(cy)}" x2="${px(x + 23)}" y2="${px(cy)}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ""}/>`);
    else out.push(`<circle cx="${px(x + 14)}" cy="${px(cy)}" r="2.5" fill="${e.color}"/>`);
    out.push(`<text x="${px(x + 27)}" y="${px(cy + 3.5)}" font-size="10" ${FONT}>${esc(e.label)}</text>`);
  });
  return out;
}

let figureCounter = 0;

function layout(count: number, opts: FigureOptions, defaults: { w: number; h: number }, below = 0) {
  const columns = Math.max(1, Math.min(count, opts.columns ?? Math.min(count, 3)));
  const rows = Math.ceil(count / columns);
  const w = opts.width ?? defaults.w;
  const h = opts.height ?? defaults.h;
  const left = 52;
  const right = 14;
  const top = opts.title ? 50 : 30;
  const cellW = left + w + right;
  const cellH = 28 + h + 40 + below;
  return {
    columns,
    width: columns * cellW,
    height: top - 28 + rows * cellH,
    frame: (k: number) => {
      const c = k % columns;
      const r = Math.floor(k / columns);
      return { x0: c * cellW + left, y0: top + r * cellH, w, h };
    },
  };
}

function wrap(width: number, height: number, title: string | undefined, body: string[]): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}">`;
  const bg = `<rect width="100%" height="100%" fill="white"/>`;
  const t = title ? `<text x="${px(width / 2)}" y="20" font-size="14" font-weight="bold" text-anchor="middle" ${FONT}>${esc(title)}</text>` : "";
  return [head, bg, t, ...body, "</svg>", ""].join("\n");
}

const pathOf = (pts: number[], sx: (v: number) => number, sy: (v: number) => number) => {
  let s = "";
  for (let k = 0; k < pts.length; k += 2) s += `${k === 0 ? "M" : "L"}${px(sx(pts[k]))} ${px(sy(pts[k + 1]))}`;
  return s;
};

/** Contour panels side by side (equal scales on both axes when the ranges have equal spans). */
export function contourFigure(panels: readonly ContourPanel[], opts: FigureOptions = {}): string {
  const below = (opts.legend ?? "below") === "below";
  const L = layout(panels.length, opts, { w: 240, h: 240 }, below ? 16 : 0);
  const body: string[] = [];
  panels.forEach((p, k) => {
    const base = L.frame(k);
    const [xa, xb] = p.xRange;
    const [ya, yb] = p.yRange;
    const f: Frame = { ...base, sx: (v) => base.x0 + ((v - xa) / (xb - xa)) * base.w, sy: (v) => base.y0 + base.h - ((v - ya) / (yb - ya)) * base.h };
    const clip = `clip${++figureCounter}`;
    body.push(`<g>`);
    body.push(...axes(f, niceTicks(xa, xb, 4), niceTicks(ya, yb, 4), p.title, p.xLabel, p.yLabel, clip));
    body.push(`<g clip-path="url(#${clip})">`);
    for (const layer of p.points ?? []) {
      const r = layer.radius ?? 1.2;
      const pts = layer.points;
      const circles: string[] = [];
      for (let j = 0; j + 1 < pts.length; j += 2) circles.push(`<circle cx="${px(f.sx(pts[j]))}" cy="${px(f.sy(pts[j + 1]))}" r="${r}"/>`);
      body.push(`<g fill="${layer.color}" fill-opacity="0.45">${circles.join("")}</g>`);
    }
    for (const layer of p.layers) {
      const d: string[] = [];
      for (const level of layer.levels) for (const line of contourLines(layer.grid, level)) d.push(pathOf(line, f.sx, f.sy));
      if (d.length)
        body.push(
          `<path d="${d.join("")}" fill="none" stroke="${layer.color}" stroke-width="${layer.width ?? 1.3}" stroke-linejoin="round" stroke-linecap="round"${layer.dash ? ` stroke-dasharray="${layer.dash}"` : ""}/>`,
        );
    }
    body.push(`</g>`);
    body.push(
      ...(below ? legendBelow : legend)(f, [
        ...p.layers.map((l) => ({ label: l.label, color: l.color, dash: l.dash, kind: "line" as const })),
        ...(p.points ?? []).map((l) => ({ label: l.label, color: l.color, kind: "point" as const })),
      ]),
    );
    body.push(`</g>`);
  });
  return wrap(L.width, L.height, opts.title, body);
}

function extent(values: Iterable<number>, log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v) && (!log || v > 0)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi >= lo)) return log ? [1, 10] : [0, 1];
  if (hi === lo) return log ? [lo / 2, hi * 2] : [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

/** Line-plot panels side by side. */
export function lineFigure(panels: readonly LinePanel[], opts: FigureOptions = {}): string {
  const below = opts.legend === "below";
  const L = layout(panels.length, opts, { w: 320, h: 220 }, below ? 16 : 0);
  const body: string[] = [];
  panels.forEach((p, k) => {
    const base = L.frame(k);
    const xr = p.xRange ?? extent(p.series.flatMap((s) => Array.from(s.x)), !!p.xLog);
    let yr = p.yRange;
    if (!yr) {
      const [a, b] = extent(p.series.flatMap((s) => Array.from(s.y)), !!p.yLog);
      yr = p.yLog ? [a / 1.5, b * 1.5] : [Math.min(0, a), b + 0.06 * (b - Math.min(0, a))];
    }
    const tx = p.xLog ? Math.log10 : (v: number) => v;
    const ty = p.yLog ? Math.log10 : (v: number) => v;
    const [xa, xb] = [tx(xr[0]), tx(xr[1])];
    const [ya, yb] = [ty(yr[0]), ty(yr[1])];
    const f: Frame = {
      ...base,
      sx: (v) => base.x0 + ((tx(v) - xa) / (xb - xa)) * base.w,
      sy: (v) => base.y0 + base.h - ((ty(v) - ya) / (yb - ya)) * base.h,
    };
    const xTicks = p.xLog ? logTicks(xr[0], xr[1]) : niceTicks(xr[0], xr[1], 6);
    const yTicks = p.yLog ? logTicks(yr[0], yr[1]) : niceTicks(yr[0], yr[1], 5);
    const clip = `clip${++figureCounter}`;
    body.push(`<g>`);
    body.push(...axes(f, xTicks, yTicks, p.title, p.xLabel, p.yLabel, clip));
    body.push(`<g clip-path="url(#${clip})">`);
    for (const s of p.series) {
      const pts: number[] = [];
      const n = Math.min(s.x.length, s.y.length);
      const ok = (v: number, log: boolean | undefined) => Number.isFinite(v) && (!log || v > 0);
      const segments: number[][] = [];
      let cur: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = s.x[i];
        const y = s.y[i];
        if (!ok(x, p.xLog) || !ok(y, p.yLog)) {
          if (cur.length) segments.push(cur);
          cur = [];
          continue;
        }
        if (s.steps) {
          const hw = 0.5 * (i + 1 < n ? s.x[i + 1] - x : i > 0 ? x - s.x[i - 1] : 1);
          const hwl = 0.5 * (i > 0 ? x - s.x[i - 1] : 2 * hw);
          cur.push(x - hwl, y, x + hw, y);
        } else cur.push(x, y);
        pts.push(x, y);
      }
      if (cur.length) segments.push(cur);
      const d = segments.map((seg) => pathOf(seg, f.sx, f.sy)).join("");
      if (d) body.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.6}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
      if (s.markers) {
        const c: string[] = [];
        for (let i = 0; i < pts.length; i += 2) c.push(`<circle cx="${px(f.sx(pts[i]))}" cy="${px(f.sy(pts[i + 1]))}" r="3"/>`);
        body.push(`<g fill="${s.color}">${c.join("")}</g>`);
      }
    }
    body.push(`</g>`);
    body.push(...(below ? legendBelow : legend)(f, p.series.map((s) => ({ label: s.label, color: s.color, dash: s.dash, kind: "line" as const }))));
    body.push(`</g>`);
  });
  return wrap(L.width, L.height, opts.title, body);
}
