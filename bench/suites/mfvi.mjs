// One MFVI sweep, WASM against JS, and how a sweep's cost grows with the dimension d, the grid
// size G and the samples S (log-log slopes: the exponents of the power laws the costs follow).
import { gaussianMixture, mfvi, ready } from "../../dist/index.js";
import { interleave, lcg, logLogSlope, ratio, showRatio } from "../harness.mjs";

/** Two components +-3 u along a random direction u, sharing a random well-conditioned covariance. */
function twoComponents(d, seed = 1) {
  const rand = lcg(seed);
  const u = Array.from({ length: d }, rand);
  const norm = Math.hypot(...u);
  const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
  const cov = a.map((row, i) => row.map((_, j) => (0.3 * a[i].reduce((s, x, p) => s + x * a[j][p], 0)) / d + (i === j ? 1 : 0)));
  return gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => (-3 * x) / norm), u.map((x) => (3 * x) / norm)], covariances: [cov, cov] });
}

/**
 * Sweeps as a contender: a fit of 1 + reps sweeps (tol 0: fixed work per sweep), timed between
 * its progress reports after the first sweep. A report's interval also holds the sweep's KL
 * trace, the same on both backends; the fit's yields to the event loop cost no CPU time.
 */
function sweeps(target, options) {
  return {
    async measure(reps) {
      let total = 0;
      let last = null;
      await mfvi(target, {
        tol: 1e-300,
        ...options,
        maxSweeps: 1 + reps,
        onProgress: ({ sweep }) => {
          const now = process.cpuUsage();
          if (sweep > 1) total += (now.user - last.user + now.system - last.system) / 1000;
          last = now;
        },
      });
      return total;
    },
  };
}

const SWEEP = { quadrature: "sampled", gridSize: 256, samples: 128 };

/** Median sweep time of each size (one contender per size, interleaved), and the fitted slope. */
async function scaling(label, sizes, make) {
  const contenders = Object.fromEntries(sizes.map((s) => [`${label}=${s}`, make(s)]));
  const run = await interleave(contenders, { rounds: 5, minMs: 20, warmup: 1 });
  const points = sizes.map((s) => [s, run.ms[`${label}=${s}`]]);
  return { points, slope: logLogSlope(points) };
}

export default async function () {
  await ready("wasm");
  const d10 = twoComponents(10);
  const sweep = await interleave({ wasm: sweeps(d10, { ...SWEEP, backend: "wasm" }), js: sweeps(d10, { ...SWEEP, backend: "js" }) }, { rounds: 9, minMs: 40 });
  const sweepRatio = ratio(sweep, "js", "wasm");
  const byD = await scaling("d", [2, 5, 10, 20, 50, 100], (d) => sweeps(twoComponents(d), { ...SWEEP, backend: "wasm" }));
  const byG = await scaling("G", [64, 128, 256, 512, 1024], (gridSize) => sweeps(d10, { ...SWEEP, gridSize, backend: "wasm" }));
  const byS = await scaling("S", [32, 64, 128, 256, 512], (samples) => sweeps(d10, { ...SWEEP, samples, backend: "wasm" }));
  const show = (s, unit) => [s.points.map(([x, y]) => `${x}: ${Number(y.toPrecision(3))}`).join(", ") + ` (${unit})`, s.slope.toFixed(2)];
  return {
    title: "MFVI sweep (two components, full covariance, sampled quadrature) and cost against size",
    columns: ["case", "CPU ms", "ratio or log-log slope"],
    rows: [
      ["one sweep, d=10 G=256 S=128, WASM", sweep.ms.wasm, ""],
      ["one sweep, d=10 G=256 S=128, JS", sweep.ms.js, `${showRatio(sweepRatio)} of WASM`],
      ["sweep vs d (G=256 S=128, WASM)", ...show(byD, "d: ms")],
      ["sweep vs G (d=10 S=128, WASM)", ...show(byG, "G: ms")],
      ["sweep vs S (d=10 G=256, WASM)", ...show(byS, "S: ms")],
    ],
    goals: [{ goal: "one MFVI sweep (d=10 G=256 S=128): WASM >= 3x the JS path", value: showRatio(sweepRatio), met: sweepRatio.median >= 3 }],
  };
}
