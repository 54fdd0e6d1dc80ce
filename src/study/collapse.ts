// The collapse check's verdicts as study rows and a table, for the study to show beside its fits.
// Independent of the study's context: it takes targets and options, and returns plain data. It
// uses only the public entry and the SVG module's number format, like the study itself.
import { collapseCheck, type CollapseCheckOptions, type Target } from "../index.js";
import { fmt } from "../svg.js";

/** One problem to check: what the study's tables call it, and its target. */
export interface CollapseProblem {
  setting: string;
  target: Target;
  /** Options for this problem only (over the common ones). */
  options?: CollapseCheckOptions;
}

/** The verdict on one problem, flattened for a table. */
export interface CollapseVerdict {
  setting: string;
  collapsing: boolean;
  modes: number;
  fixedPoints: number;
  /** MFVI fits run (the pilot included). */
  fits: number;
  /** The modes' estimated shares of the mass, lowest KL first. */
  shares: number[];
  /** Two-component Gaussian mixtures: the paper's geometry and the best fit's smaller mass; null otherwise. */
  overlap: number | null;
  angleToAxes: number | null;
  separation: number | null;
  minorityMass: number | null;
  verdict: string;
  seconds: number;
}

/** Runs collapseCheck on each problem in turn (common options, then the problem's own). */
export async function collapseVerdicts(problems: readonly CollapseProblem[], common: CollapseCheckOptions = {}): Promise<CollapseVerdict[]> {
  const out: CollapseVerdict[] = [];
  for (const p of problems) {
    const t0 = performance.now();
    const r = await collapseCheck(p.target, { ...common, ...p.options });
    out.push({
      setting: p.setting,
      collapsing: r.collapsing,
      modes: r.modes,
      fixedPoints: r.fixedPoints,
      fits: r.fits.length,
      shares: Array.from(r.shares),
      overlap: r.mixture?.bhattacharyyaOverlap ?? null,
      angleToAxes: r.mixture?.angleToAxes ?? null,
      separation: r.mixture?.separation ?? null,
      minorityMass: r.mixture?.minorityMass ?? null,
      verdict: r.verdict,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  return out;
}

const orDash = (v: number | null) => (v === null ? "-" : fmt(v));

/** The verdicts as a study table ({ title, columns, rows } of strings). */
export function collapseTable(title: string, verdicts: readonly CollapseVerdict[]): { title: string; columns: string[]; rows: string[][] } {
  return {
    title,
    columns: ["setting", "collapsing", "modes / fixed points / fits", "shares", "overlap (BC)", "angle to axes (deg)", "separation", "minority mass", "seconds"],
    rows: verdicts.map((v) => [
      v.setting,
      v.collapsing ? "yes" : "no",
      `${v.modes} / ${v.fixedPoints} / ${v.fits}`,
      v.shares.map(fmt).join(" / "),
      orDash(v.overlap),
      orDash(v.angleToAxes),
      orDash(v.separation),
      orDash(v.minorityMass),
      fmt(v.seconds),
    ]),
  };
}
