// E5: the label-switching posterior of a two-component model of the Old Faithful eruptions.
// MFVI keeps one labelling; RoVI with its defaults (it explores the target first) finds both.
import { faithfulEruptions, labelSwitchingPosterior, lmc, mfvi, principalAxes, rovi, type Approximation, type Target } from "../index.js";
import { COLORS, contourFigure, lineFigure, type ContourPanel } from "../svg.js";
import { common, finiteRows, reportOf, row, timed, type Ctx, type Outcome } from "./context.js";
import { collapseTable, collapseVerdicts } from "./collapse.js";
import { grid2, panel, type Box } from "./figures.js";
import type { Figure, ResultRow } from "./index.js";
import { linspace, marginalOf, ofApprox, ofTarget, type LogDensity } from "./integrals.js";
import { fmtKl, fmtMass, fmtS } from "./report.js";

export const title = "Old Faithful: the label-switching posterior";

/** A cap on the contrasts' sweeps (on their coarse grid a few wander for 200). */
const MAX_SWEEPS = 80;
/**
 * Cells per factor of the contrasts (each density evaluation costs one pass over the data).
 * MFVI and RoVI run with the default 256: at 64 a cell of RoVI's factor across both modes
 * (3.3 apart) is wider than a mode (sd 0.04).
 */
const G = 64;
const SETTING = "Old Faithful";

/** The share of draws (n x 2) with mu_1 < mu_2. */
function labelFraction(x: Float64Array): number {
  let a = 0;
  const n = x.length / 2;
  for (let j = 0; j < n; j++) if (x[2 * j] < x[2 * j + 1]) a++;
  return a / n;
}

interface Rows {
  mfvi: ResultRow;
  rovi: ResultRow;
  /** The contrasts (not in the quick run): RoVI from the identity, from LMC's axes with the default factors, and from LMC's draws. */
  roviIdentity?: ResultRow;
  roviAxes?: ResultRow;
  roviSamples?: ResultRow;
}

/** The posterior with contours (whole, and each mode up close), and the marginal of mu_1 near each mode. */
function figures(ctx: Ctx, t: Target, qm: Approximation, qr: Approximation, draws: Float64Array): Figure[] {
  // log Z and the marginal of mu_1 near each mode, by integrating over mu_2 on a fine grid
  const windows: [number, number][] = [
    [1.85, 2.3],
    [4.05, 4.5],
  ];
  const mu2 = linspace(1.5, 5, 701);
  const along = (f: LogDensity, ts: Float64Array, shift: number) => marginalOf(f, [1, 0], ts, mu2, shift);
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
  const n2 = ctx.sizes.grid + 40;
  const tgFull = grid2(normalised, full, n2);
  const closeUp = (title: string, box: Box): ContourPanel => {
    const tg = grid2(normalised, box, n2);
    const fits = curves.map((c) => ({ grid: grid2(c.f, box, n2), color: c.color, label: c.label }));
    return { ...panel(title, box, tg, fits), xLabel: "mu_1", yLabel: "mu_2" };
  };
  return [
    {
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
    },
    {
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
    },
  ];
}

function summary(t: Target, qm: Approximation, { mfvi: m, rovi: r, roviIdentity: ri, roviAxes: rp, roviSamples: rs }: Rows): string {
  const mShare = Math.max(m.extra.labelFraction, 1 - m.extra.labelFraction);
  const rf = r.extra.labelFraction;
  const gain = m.kl! - r.kl!;
  const parts = [
    `MFVI puts ${mShare === 1 ? "all of its 20,000 draws" : `${fmtMass(mShare)} of its mass`} on one labelling (mu_1 ${m.extra.labelFraction > 0.5 ? "<" : ">"} mu_2).`,
    `RoVI with its defaults explores the target first (a pilot MFVI fit, then Langevin chains from a box around it: ${(100 * r.extra.exploreShare).toFixed(1)}% of its ${fmtS(r.seconds)} s) and starts from the principal axes and moments of the chains' final states; ` +
      (Math.abs(rf - 0.5) < 0.1 ? `it carries ${rf.toFixed(3)} on mu_1 < mu_2 and ${(1 - rf).toFixed(3)} on mu_1 > mu_2: about half on each labelling.` : `it carries ${rf.toFixed(3)} on mu_1 < mu_2: not the expected half.`),
    r.status === "converged" ? "" : `(It stopped without meeting the tolerance: status ${r.status}.)`,
    `Its negative ELBO is ${fmtKl(gain, 3)} below MFVI's (${fmtKl(r.kl, 3)} against ${fmtKl(m.kl, 3)}); covering both of two equal, well separated modes gains log 2 = ${Math.LN2.toFixed(3)} at best, and a product gains less here: ` +
      `the modes' spreads differ between mu_1 and mu_2, so in the rotated coordinates the two modes lean opposite ways, which no product follows.`,
  ];
  // the drop of log pi from a mode (MFVI's mean) to the midpoint of the two modes
  const mid = (qm.mean[0] + qm.mean[1]) / 2;
  const barrier = t.logDensity(qm.mean) - t.logDensity([mid, mid]);
  if (ri)
    parts.push(
      `From the identity rotation (with the default tempering) RoVI does not find the second labelling: ${fmtMass(Math.max(ri.extra.labelFraction, 1 - ri.extra.labelFraction))} on one of them and the negative ELBO of MFVI (${fmtKl(ri.kl, 3)}). ` +
        `The identity is a symmetric saddle for the rotation, and the modes are too peaked for tempering to merge them: log pi falls by ${barrier.toFixed(0)} from a mode to the midpoint between the modes, still ${(0.05 * barrier).toFixed(0)} at beta = 0.05.`,
    );
  if (rp && rs)
    parts.push(
      `With the axes of separate LMC draws but the default starting factors (N(0, 1) in the rotated coordinates, far from the data) RoVI settles in a poor local optimum: negative ELBO ${fmtKl(rp.kl, 1)}, P(mu_1 < mu_2) = ${rp.extra.labelFraction.toFixed(3)} but its modes in the wrong place (its mean is (${rp.extra.mean1.toFixed(2)}, ${rp.extra.mean2.toFixed(2)}), against (${r.extra.mean1.toFixed(2)}, ${r.extra.mean2.toFixed(2)}) for the default fit); ` +
        `starting the factors at the draws' moments too (rotationInit: { samples }) fixes this: P(mu_1 < mu_2) = ${rs.extra.labelFraction.toFixed(3)}, negative ELBO ${fmtKl(rs.kl, 3)} on ${G} cells.`,
    );
  return parts.filter(Boolean).join(" ");
}

export async function run(ctx: Ctx): Promise<Outcome<Rows>> {
  const s = ctx.sizes;
  const t = labelSwitchingPosterior();
  const data = faithfulEruptions;
  const mean = data.reduce((a, b) => a + b, 0) / data.length;
  const rows: ResultRow[] = [];
  const frac = (q: Approximation) => labelFraction(q.sample(20_000, { seed: ctx.seed, stratified: true }));
  const fitRow = (method: string, label: string, [q, seconds]: [Approximation, number]) => {
    const r = row("E5", SETTING, method, label, { ...reportOf(q), seconds, extra: { labelFraction: frac(q), sweeps: q.iterations, mean1: q.mean[0], mean2: q.mean[1] } });
    rows.push(r);
    return r;
  };

  const [qm, sm] = await timed(() => mfvi(t, common(ctx)));
  const mfviRow = fitRow("mfvi", "MFVI", [qm, sm]);
  ctx.say(`  E5 MFVI ${sm.toFixed(1)} s`);
  // RoVI with its defaults: the exploration's share of its time is up to its last progress report
  const t0 = performance.now();
  let explored = t0;
  const [qr, sr] = await timed(() => rovi(t, { ...common(ctx), onProgress: (i) => void (i.phase === "explore" && (explored = performance.now())) }));
  const roviRow = fitRow("rovi", "RoVI (defaults: its own exploration)", [qr, sr]);
  roviRow.extra.exploreShare = (explored - t0) / 1000 / sr;
  ctx.say(`  E5 RoVI ${sr.toFixed(1)} s (exploration ${(100 * roviRow.extra.exploreShare).toFixed(1)}% of it)`);
  let roviIdentity: ResultRow | undefined;
  if (s.e5Contrasts) {
    const fit = await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: "identity" }));
    roviIdentity = fitRow("rovi-identity", `RoVI, identity start (tempered, ${G} cells)`, fit);
    ctx.say(`  E5 RoVI from the identity ${fit[1].toFixed(1)} s`);
  }
  // exploratory Langevin draws from the diagonal mu_1 = mu_2 (a saddle between the two labellings): the posterior panel's, and the contrasts' start
  const [ch, sl] = await timed(() => lmc(t, { ...common(ctx), step: 1e-4, steps: s.e5Steps, chains: s.e5Chains, init: [mean, mean] }));
  const draws = finiteRows(ch.samples, 2);
  rows.push(row("E5", SETTING, "lmc", `LMC (ULA), ${s.e5Chains} chains from (${mean.toFixed(2)}, ${mean.toFixed(2)})`, { seconds: sl, status: ch.status, extra: { labelFraction: labelFraction(draws) } }));
  ctx.say(`  E5 LMC ${sl.toFixed(1)} s`);
  let roviAxes: ResultRow | undefined;
  let roviSamples: ResultRow | undefined;
  if (s.e5Contrasts) {
    const axes = await principalAxes(draws, 2, ctx.backend ? { backend: ctx.backend } : {});
    roviAxes = fitRow("rovi-axes", `RoVI, LMC axes, default factor start (${G} cells)`, await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: axes, temper: false })));
    // the draws' principal axes, and the factors started from the draws' moments along them
    const fit = await timed(() => rovi(t, { ...common(ctx), gridSize: G, rotationInit: { samples: draws }, maxSweeps: MAX_SWEEPS }));
    roviSamples = fitRow("rovi-samples", `RoVI, LMC axes and moments (${G} cells)`, fit);
    ctx.say(`  E5 RoVI from LMC draws ${fit[1].toFixed(1)} s`);
  }

  const by: Rows = { mfvi: mfviRow, rovi: roviRow, roviIdentity, roviAxes, roviSamples };
  const verdicts = await collapseVerdicts([{ setting: "Old Faithful", target: t }], { ...common(ctx), gridSize: 64, ...(s.e5Contrasts ? {} : { starts: 3 }) });
  return {
    setup:
      `The posterior of (mu_1, mu_2) in x_n ~ 1/2 N(mu_1, 0.4^2) + 1/2 N(mu_2, 0.4^2), N(mean, 2^2) priors, for the ${data.length} Old Faithful eruption durations (labelSwitchingPosterior()); unnormalised, so "KL" is the negative ELBO E_q[V] - H(q). ` +
      `MFVI and RoVI use their defaults (256 cells per factor; each density evaluation costs ${data.length} data points); RoVI's default for a custom target explores it first: a pilot MFVI fit (64 cells), then Langevin chains started uniformly in a box around it, whose settled final states give its start (their principal axes as the rotation, their means and spreads along them as the factors; no tempering). ` +
      `LMC: ULA, step 1e-4, ${s.e5Chains} chains started on the diagonal at the data mean (${mean.toFixed(3)}, ${mean.toFixed(3)}), ${s.e5Steps} steps: the draws in the posterior panel${s.e5Contrasts ? `, and the start of the contrasts (${G} cells, at most ${MAX_SWEEPS} sweeps from the draws)` : ""}. ` +
      `P(mu_1 < mu_2) is the share of 20,000 stratified draws (LMC: of its chains).`,
    rows,
    tables: [
      {
        title: "E5: label switching on Old Faithful",
        columns: ["method", "P(mu_1 < mu_2)", "-ELBO", "sweeps", "status", "time (s)"],
        rows: rows.map((x) => [x.label, x.extra.labelFraction.toFixed(4), fmtKl(x.kl, 3), x.extra.sweeps === undefined ? "-" : String(x.extra.sweeps), x.status, fmtS(x.seconds)]),
      },
      collapseTable("E5: the mode-collapse check", verdicts),
    ],
    figures: ctx.figures ? figures(ctx, t, qm, qr, draws) : [],
    summary: summary(t, qm, by),
    highlights: by,
  };
}

/** P(mu_1 < mu_2) under MFVI and under RoVI. */
export function headline({ mfvi: m, rovi: r }: Rows): string {
  return `P(mu_1 < mu_2): MFVI ${m.extra.labelFraction.toFixed(3)}, RoVI ${r.extra.labelFraction.toFixed(3)}`;
}
