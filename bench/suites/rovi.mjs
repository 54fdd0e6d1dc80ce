// RoVI at scale: a fit's cost against the dimension on the study's E4 target (two unit-variance
// components at +-3 u along a random unit vector u, the paper's fact 4), and RoVI on a
// customTarget wrapping that mixture against the built-in mixture (the host path: line points
// built by the kernels, one call of the user's functions per batch).
import { componentMass, customTarget, gaussianMixture, ready, rovi } from "../../dist/index.js";
import { cpuMs, interleave, lcg, logLogSlope, median, ratio, showRatio } from "../harness.mjs";

/** 1/2 N(-3 u, I) + 1/2 N(3 u, I), u a random unit vector of R^d. */
export function alongRandomDirection(d, seed = 1) {
  const rand = lcg(seed);
  const u = Array.from({ length: d }, rand);
  const norm = Math.hypot(...u);
  return gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => (-3 * x) / norm), u.map((x) => (3 * x) / norm)], covariances: [1, 1] });
}

/**
 * The same density as a custom target, through the mixture's public batch methods; `clock.inside`
 * adds up the CPU ms spent in them (what the user's own code costs, as against the library's).
 */
function wrapped(t) {
  const clock = { inside: 0 };
  const timed = (f) => (points, out) => {
    const start = process.cpuUsage();
    f(points, out);
    const used = process.cpuUsage(start);
    clock.inside += (used.user + used.system) / 1000;
  };
  const target = customTarget({
    dim: t.dim,
    normalized: true,
    logDensity: timed((points, out) => t.logDensityBatch(points, out)),
    gradLogDensity: timed((points, grad) => t.gradLogDensityBatch(points, grad)),
  });
  return { target, clock };
}

const DIMS = [10, 20, 50, 100];
const OPTIONS = { backend: "wasm", seed: 1 };

/** How a fit ended: sweeps, KL, the masses it gives the two components, and whether it converged. */
function ending(q, t) {
  const masses = Array.from(componentMass(q, t), (m) => m.toFixed(3)).join("/");
  return `${q.iterations} sweeps, KL ${q.kl.toFixed(4)}, masses ${masses}${q.converged ? "" : ", not converged"}`;
}

export default async function () {
  await ready("wasm");
  const fits = {};
  const contenders = Object.fromEntries(
    DIMS.map((d) => {
      const t = alongRandomDirection(d);
      return [`d=${d}`, async () => (fits[d] = { t, q: await rovi(t, OPTIONS) })];
    }),
  );
  const run = await interleave(contenders, { rounds: 3, minMs: 1, warmup: 0 });
  const points = DIMS.map((d) => [d, run.ms[`d=${d}`]]);
  const slope = logLogSlope(points);
  const step = ratio(run, "d=100", "d=50");

  // the custom path: both start as a custom target does by default (RoVI's own exploration, a
  // pilot MFVI fit and Langevin chains), so both pay for the same algorithm on the same data.
  // (The identity start is no contender: at d = 30 it collapses, KL 0.69 after 200 sweeps.)
  const start = { ...OPTIONS, rotationInit: "explore" };
  const pairs = {};
  const outside = {};
  const ends = {};
  for (const d of [10, 30]) {
    const t = alongRandomDirection(d);
    const inside = []; // per measurement: CPU ms in the user's functions per fit
    const fitted = {};
    const custom = {
      async measure(reps) {
        let total = 0;
        let spent = 0;
        for (let r = 0; r < reps; r++) {
          const w = wrapped(t);
          total += await cpuMs(async () => (fitted.custom = await rovi(w.target, start)));
          spent += w.clock.inside;
        }
        inside.push(spent / reps);
        return total;
      },
    };
    const builtin = async () => (fitted.builtin = await rovi(t, start));
    const run = await interleave({ builtin, custom }, { rounds: 7, minMs: 1, warmup: 1 });
    pairs[d] = run;
    ends[d] = Object.fromEntries(Object.entries(fitted).map(([name, q]) => [name, ending(q, t)]));
    // the last measurements are the rounds'; per round: (custom fit - its user's functions) / built-in fit
    const rounds = inside.slice(-run.rounds.length).map((spent, r) => ({ outside: run.rounds[r].custom - spent, builtin: run.rounds[r].builtin }));
    outside[d] = { inside: median(inside.slice(-run.rounds.length)), ratio: ratio({ rounds }, "outside", "builtin") };
  }
  const custom = Object.fromEntries(Object.entries(pairs).map(([d, r]) => [d, ratio(r, "custom", "builtin")]));
  const show = (d) => `${Number(run.ms[`d=${d}`].toPrecision(3))} ms, ${ending(fits[d].q, fits[d].t)}`;
  return {
    title: "RoVI against the dimension (E4's target, defaults) and on a custom target",
    columns: ["case", "CPU", "ratio or log-log slope"],
    rows: [
      ...DIMS.map((d) => [`rovi(), d = ${d}`, show(d), ""]),
      ["fit time against d, 10 to 100", "", `slope ${slope.toFixed(2)}`],
      ["d = 100 against d = 50", "", showRatio(step)],
      ...Object.entries(pairs).map(([d, r]) => [`customTarget wrapping the mixture vs the mixture, d = ${d}`, `${Number(r.ms.custom.toPrecision(3))} vs ${Number(r.ms.builtin.toPrecision(3))} ms; custom: ${ends[d].custom}; mixture: ${ends[d].builtin}`, showRatio(custom[d])]),
      ...Object.entries(outside).map(([d, o]) => [`the same custom fit outside the user's functions vs the mixture, d = ${d}`, `${Number(o.inside.toPrecision(3))} ms of the custom fit in the user's functions`, showRatio(o.ratio)]),
    ],
    notes: [
      "Each contender is one whole fit per round (7 rounds), both from rotationInit 'explore' (a custom target's default); a custom target pays for its own batch calls, here the mixture's public logDensityBatch and gradLogDensityBatch, which check and copy the points the library hands them.",
      "Outside the user's functions: the custom fit's CPU time less the time spent in its logDensity and gradLogDensity (timed around each call), against the built-in fit, per round: the library's own cost of a custom target.",
    ],
    goals: [
      { goal: "rovi() fit time grows at most like d^1.5 from d = 10 to 100", value: `slope ${slope.toFixed(2)}`, met: slope <= 1.5 },
      { goal: "rovi() at d = 100 within 5x of d = 50", value: showRatio(step), met: step.median <= 5 },
      ...Object.entries(custom).map(([d, r]) => ({ goal: `RoVI on a custom target within 1.5x of the built-in mixture, d = ${d}`, value: showRatio(r), met: r.median <= 1.5 })),
    ],
  };
}
