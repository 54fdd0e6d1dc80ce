// E2: MFVI and RoVI on mixtures with unequal weights or unequal covariances. Its fits of the
// w = 0.3 mixture are cached for E3.
import { gaussianVi, mfvi, rovi, type Approximation, type GaussianMixture } from "../index.js";
import { COLORS, contourFigure, type ContourPanel } from "../svg.js";
import { angle2, cached, common, fitValues, M, mixture, row, timed, type Ctx, type Outcome } from "./context.js";
import { FULL_RANK } from "./e1.js";
import { fitPanels } from "./figures.js";
import type { ResultRow } from "./index.js";
import { fmtKl, fmtMasses, fmtS } from "./report.js";

export const title = "Asymmetric mixtures: unequal weights, unequal covariances";

export interface Problem {
  key: string;
  setting: string;
  description: string;
  weights: number[];
  means: number[][];
  covariances: (number | number[][])[];
}

/** Variance 4 along (1, -1)/sqrt 2 and 1/4 along (1, 1)/sqrt 2: stretched across the separation. */
const ACROSS = [
  [2.125, -1.875],
  [-1.875, 2.125],
];

/** The w = 0.3 mixture, which E3 studies further. */
export const LIGHT_HEAVY: Problem = {
  key: "w03",
  setting: "w = 0.3",
  description: `0.3 N(-${M} 1, I) + 0.7 N(${M} 1, I)`,
  weights: [0.3, 0.7],
  means: [[-M, -M], [M, M]],
  covariances: [1, 1],
};

const UNEQUAL_COVARIANCES: Problem[] = [
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

const PROBLEMS = [LIGHT_HEAVY, ...UNEQUAL_COVARIANCES];

/** MFVI from each component, and RoVI, with their times. */
export interface Fits {
  t: GaussianMixture;
  qa: [Approximation, number];
  qb: [Approximation, number];
  qr: [Approximation, number];
}

export function fitsOf(ctx: Ctx, p: Problem): Promise<Fits> {
  return cached(ctx, `e2:${p.key}`, async () => {
    const t = mixture(ctx, p.weights, p.means, p.covariances);
    const qa = await timed(() => mfvi(t, { ...common(ctx), init: { center: p.means[0], scale: 1 } }));
    const qb = await timed(() => mfvi(t, { ...common(ctx), init: { center: p.means[1], scale: 1 } }));
    const qr = await timed(() => rovi(t, common(ctx)));
    return { t, qa, qb, qr };
  });
}

/** The rows of one problem. */
interface Rows {
  problem: Problem;
  mfviA: ResultRow;
  mfviB: ResultRow;
  fullrank: ResultRow;
  rovi: ResultRow;
}

function summary([w03, ...unequal]: Rows[]): string {
  const { mfviA: a, mfviB: b, rovi: w } = w03;
  const others = unequal.map(({ problem, mfviA, mfviB, rovi: r }) => {
    const best = Math.min(mfviA.kl!, mfviB.kl!);
    return `${problem.setting}: MFVI's better KL ${fmtKl(best, 3)}, RoVI's ${fmtKl(r.kl, 3)} (masses ${fmtMasses(r.masses)})`;
  });
  return [
    `With w = 0.3 MFVI covers one component: KL ${fmtKl(a.kl, 3)} on the light one (init 1) and ${fmtKl(b.kl, 3)} on the heavy one (init 2), at the bounds log(1/0.3) = ${Math.log(1 / 0.3).toFixed(3)} and log(1/0.7) = ${Math.log(1 / 0.7).toFixed(3)} of fact 3.`,
    Math.abs(w.masses![0] - 0.3) < 0.02
      ? `RoVI recovers the weights: masses ${fmtMasses(w.masses)}, KL ${fmtKl(w.kl, 4)}.`
      : `RoVI's masses are ${fmtMasses(w.masses)} (KL ${fmtKl(w.kl, 4)}): not the weights (0.3, 0.7).`,
    `With unequal covariances no rotation makes the target a product, so RoVI's KL stays above 0, but it is still far below MFVI's: ${others.join("; ")}.`,
    `RoVI's masses there are its best compromise for a product fit, not the weights (1/2, 1/2).`,
  ].join(" ");
}

export async function run(ctx: Ctx): Promise<Outcome<Rows>> {
  const by: Rows[] = [];
  const panels: ContourPanel[] = [];
  for (const problem of PROBLEMS) {
    const { t, qa, qb, qr } = await fitsOf(ctx, problem);
    const qf = await timed(() => gaussianVi(t, common(ctx)));
    by.push({
      problem,
      mfviA: row("E2", problem.setting, "mfvi-a", "MFVI, init at component 1", fitValues(ctx, t, ...qa)),
      mfviB: row("E2", problem.setting, "mfvi-b", "MFVI, init at component 2", fitValues(ctx, t, ...qb)),
      fullrank: row("E2", problem.setting, "fullrank", FULL_RANK, fitValues(ctx, t, ...qf)),
      rovi: row("E2", problem.setting, "rovi", "RoVI", fitValues(ctx, t, ...qr, { angle: angle2(qr[0].rotation) })),
    });
    if (ctx.figures)
      panels.push(
        ...fitPanels(t, ctx.sizes.grid, [
          { title: `${problem.setting}: MFVI (init 1)`, q: qa[0], color: COLORS.mfvi, label: "MFVI" },
          { title: `${problem.setting}: MFVI (init 2)`, q: qb[0], color: COLORS.mfvi2, label: "MFVI" },
          { title: `${problem.setting}: RoVI`, q: qr[0], color: COLORS.rovi, label: "RoVI" },
        ]),
      );
  }
  const bound = (p: Problem) => p.weights.map((x) => Math.log(1 / x).toFixed(3)).join(" / ");
  return {
    setup:
      PROBLEMS.map((p) => `- **${p.setting}**: ${p.description}.`).join("\n") +
      `\n\nMFVI from factors centred on component 1 and on component 2 (scale 1); full-rank Gaussian VI and RoVI with their defaults. Masses as in E1.`,
    rows: by.flatMap((x) => [x.mfviA, x.mfviB, x.fullrank, x.rovi]),
    tables: [
      {
        title: "E2: KL(q || pi) of MFVI, full-rank Gaussian VI and RoVI",
        columns: ["mixture", "method", "masses (1st / 2nd)", "KL", "log(1/w_k) (1st / 2nd)", "status", "time (s)"],
        rows: by.flatMap((x) => [x.mfviA, x.mfviB, x.fullrank, x.rovi].map((r) => [r.setting, r.label, fmtMasses(r.masses), fmtKl(r.kl), bound(x.problem), r.status, fmtS(r.seconds)])),
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
    summary: summary(by),
    highlights: by[0],
  };
}

/** w = 0.3: RoVI's masses against MFVI's KL from either start. */
export function headline({ mfviA, mfviB, rovi: r }: Rows): string {
  return `w = 0.3: RoVI masses ${fmtMasses(r.masses)}, KL ${fmtKl(r.kl, 4)}; MFVI KL ${fmtKl(mfviA.kl, 3)} / ${fmtKl(mfviB.kl, 3)}`;
}
