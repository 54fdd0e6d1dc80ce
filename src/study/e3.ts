// E3: how well MFVI, RoVI and Langevin recover the 1-D marginals of the w = 0.3 mixture of E2
// (W1 to the exact marginals), and where Langevin chains from a common start end up.
import { lmc, marginalW1, type Approximation } from "../index.js";
import { COLORS, contourFigure, fmt, lineFigure } from "../svg.js";
import { common, drawValues, finiteRows, LMC_STEP, massesOf, reportOf, row, timed, type Ctx, type Outcome } from "./context.js";
import { fitsOf, LIGHT_HEAVY, type Fits } from "./e2.js";
import { grid2, marginalPanel, mixtureBox, panel, type MarginalCurve } from "./figures.js";
import type { Figure, ResultRow } from "./index.js";
import { ofApprox, ofTarget } from "./integrals.js";
import { fmtMass, fmtMasses, fmtS } from "./report.js";

export const title = "Marginal recovery on the w = 0.3 mixture";

/** Where the chains start: inside the basin of the lighter component (the boundary is at t ~ -0.07 on the diagonal). */
const START = [-1, -1];
const S45 = Math.SQRT1_2;
const DIRECTIONS = [[1, 0], [0, 1], [S45, S45]];

interface Rows {
  mfviA: ResultRow;
  mfviB: ResultRow;
  rovi: ResultRow;
  lmc: ResultRow;
  lmcMid: ResultRow;
}

function figures(ctx: Ctx, { t, qa, qb, qr }: Fits, light: Float64Array, mid: Float64Array): Figure[] {
  const n = ctx.sizes.grid;
  const curves = (): MarginalCurve[] => [
    { label: "MFVI (light)", color: COLORS.mfvi, approx: qa[0], dash: "6 3" },
    { label: "MFVI (heavy)", color: COLORS.mfvi2, approx: qb[0], dash: "6 3" },
    { label: "RoVI", color: COLORS.rovi, approx: qr[0], dash: "8 3" },
    { label: `LMC from (${START.join(", ")})`, color: COLORS.lmc, draws: light },
  ];
  const box = mixtureBox(t);
  const tg = grid2(ofTarget(t), box, n);
  return [
    {
      file: "e3-marginals.svg",
      caption: `E3: marginal densities of x1 and of (x1 + x2)/sqrt 2 for ${LIGHT_HEAVY.description} against the exact marginals (LMC: histograms of its draws).`,
      svg: lineFigure([marginalPanel("marginal of x1", t, [1, 0], "x1", curves()), marginalPanel("marginal of (x1 + x2)/sqrt 2", t, [S45, S45], "(x1 + x2)/sqrt 2", curves())], {
        columns: 2,
        width: 340,
        height: 220,
        title: "E3: 0.3 N(-3 1, I) + 0.7 N(3 1, I)",
      }),
    },
    {
      file: "e3-lmc.svg",
      caption: "E3: where ULA's chains end up from a common start (draws over the target's contours), and RoVI's fit for comparison.",
      svg: contourFigure(
        [
          panel(`LMC from (${START.join(", ")})`, box, tg, [], { xy: light, color: COLORS.lmc, label: "LMC draws" }),
          panel("LMC from (0, 0)", box, tg, [], { xy: mid, color: COLORS.lmc, label: "LMC draws" }),
          panel("RoVI", box, tg, [{ grid: grid2(ofApprox(qr[0]), box, n), color: COLORS.rovi, label: "RoVI" }]),
        ],
        { columns: 3, width: 200, height: 200 },
      ),
    },
  ];
}

function summary(ctx: Ctx, { mfviA, mfviB, rovi: r, lmc: l, lmcMid }: Rows): string {
  const range = (rs: ResultRow[]) => {
    const all = rs.flatMap((x) => x.w1!);
    return `${fmt(Math.min(...all))} to ${fmt(Math.max(...all))}`;
  };
  return [
    `RoVI's marginals match the exact ones: W1 at most ${fmt(Math.max(...r.w1!))} over the three directions, against ${range([mfviA, mfviB])} for MFVI (which keeps one component) and ${range([l])} for LMC from (${START.join(", ")}).`,
    `The chains started inside the light component's basin put ${fmtMass(l.masses![0])} of their draws on it, whose weight is 0.3: Langevin chains split between the modes by basin of attraction, not by weight, and in ${ctx.sizes.lmcSteps} steps hardly any crosses the barrier.`,
    `From (0, 0), just inside the heavy component's basin (the basins meet at x1 = x2 = log(3/7)/12 = -0.07), the split is ${fmtMasses(lmcMid.masses)}: close to the weights here, but only because of where the start happens to be.`,
  ].join(" ");
}

export async function run(ctx: Ctx): Promise<Outcome<Rows>> {
  const p = LIGHT_HEAVY;
  const fits = await fitsOf(ctx, p);
  const { t, qa, qb, qr } = fits;
  const s = ctx.sizes;
  const chains = async (init: number[]) =>
    timed(() => lmc(t, { ...common(ctx), step: LMC_STEP, steps: s.lmcSteps, chains: s.lmcChains, burnIn: s.lmcBurnIn, thin: s.lmcThin, init }));
  const [light, sl] = await chains(START);
  const [mid, sm] = await chains([0, 0]);
  const dLight = finiteRows(light.samples, 2);
  const dMid = finiteRows(mid.samples, 2);
  const w1 = (q: Approximation | Float64Array) => DIRECTIONS.map((u) => marginalW1(q, t, u, { seed: ctx.seed }));
  const fit = ([q, seconds]: [Approximation, number]) => ({ ...reportOf(q), masses: massesOf(ctx, q, t), w1: w1(q), seconds });
  const sampled = (draws: Float64Array, status: string, seconds: number) => ({ ...drawValues(ctx, t, draws, status, seconds), w1: w1(draws) });
  const by: Rows = {
    mfviA: row("E3", p.setting, "mfvi-a", "MFVI, init at the light component", fit(qa)),
    mfviB: row("E3", p.setting, "mfvi-b", "MFVI, init at the heavy component", fit(qb)),
    rovi: row("E3", p.setting, "rovi", "RoVI", fit(qr)),
    lmc: row("E3", p.setting, "lmc", `LMC (ULA), common start (${START.join(", ")})`, sampled(dLight, light.status, sl)),
    lmcMid: row("E3", p.setting, "lmc-mid", "LMC (ULA), common start (0, 0)", sampled(dMid, mid.status, sm)),
  };
  const rows = [by.mfviA, by.mfviB, by.rovi, by.lmc, by.lmcMid];
  return {
    setup:
      `The w = 0.3 mixture of E2, ${p.description}. W1 = integral |F_q - F_pi| between each method's 1-D marginal and the exact one, along x1, x2 and the diagonal (x1 + x2)/sqrt 2. ` +
      `LMC as in E1 (ULA, step ${LMC_STEP}, ${s.lmcChains} chains) from a common start: (${START.join(", ")}), inside the lighter component's basin, and, for comparison, (0, 0).`,
    rows,
    tables: [
      {
        title: "E3: W1 to the exact marginals",
        columns: ["method", "masses (light / heavy)", "W1 x1", "W1 x2", "W1 diagonal", "time (s)"],
        rows: rows.map((q) => [q.label, fmtMasses(q.masses), ...q.w1!.map((v) => v.toFixed(4)), fmtS(q.seconds)]),
      },
    ],
    figures: ctx.figures ? figures(ctx, fits, dLight, dMid) : [],
    summary: summary(ctx, by),
    highlights: by,
  };
}

/** The largest W1 of each method, and the mass LMC puts on the light component. */
export function headline({ mfviA, mfviB, rovi: r, lmc: l }: Rows): string {
  const w = (x: ResultRow) => fmt(Math.max(...x.w1!));
  return `largest W1: RoVI ${w(r)}, MFVI ${w(mfviA)} / ${w(mfviB)}, LMC ${w(l)} (LMC mass on the w = 0.3 component: ${fmtMass(l.masses![0])})`;
}
