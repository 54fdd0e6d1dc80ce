// MFVI: one sweep WASM against JS, a whole fit of the m = 3 diagonal mixture, and how a
// sweep's cost grows with the dimension d, the grid size G and the samples S.
import { gaussianMixture, mfvi, ready } from "../../dist/index.js";
import { medianMs } from "../time.mjs";

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

/** Two components along a random direction, with a random well-conditioned shared covariance. */
export function twoComponents(d, seed = 1) {
  const rand = lcg(seed);
  const u = Array.from({ length: d }, rand);
  const norm = Math.hypot(...u);
  const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
  const cov = a.map((row, i) => row.map((_, j) => (0.3 * a[i].reduce((s, x, p) => s + x * a[j][p], 0)) / d + (i === j ? 1 : 0)));
  return gaussianMixture({
    weights: [0.5, 0.5],
    means: [u.map((x) => (-3 * x) / norm), u.map((x) => (3 * x) / norm)],
    covariances: [cov, cov],
  });
}

/**
 * Median time of one sweep: the intervals between a fit's progress reports after the first
 * sweep (fixed work per sweep: tol 0 never converges), over fits repeated for at least `time`
 * ms. An interval also holds the per-sweep KL trace and, when the sweep took over 8 ms, the
 * fit's yield to the event loop (about 1 ms), the same for both backends. (A difference of
 * whole fits with 1 and 1 + n sweeps drowned in the final KL estimate's noise at d = 100.)
 */
async function perSweep(target, options, n = 4, time = 1500) {
  const intervals = [];
  const start = performance.now();
  for (let fits = 0; fits < 3 || performance.now() - start < time; fits++) {
    let last = 0;
    await mfvi(target, {
      tol: 1e-300,
      ...options,
      maxSweeps: 1 + n,
      onProgress: ({ sweep }) => {
        const now = performance.now();
        if (sweep > 1) intervals.push(now - last);
        last = now;
      },
    });
  }
  intervals.sort((a, b) => a - b);
  return intervals[intervals.length >> 1];
}

export default async function () {
  await ready("wasm");
  const rows = [];
  const d10 = twoComponents(10);
  const sweepOptions = { quadrature: "sampled", gridSize: 256, samples: 128 };
  rows.push({
    case: "one sweep, d=10 K=2 full, G=256 S=128",
    wasmMs: await perSweep(d10, { ...sweepOptions, backend: "wasm" }),
    jsMs: await perSweep(d10, { ...sweepOptions, backend: "js" }),
    goal: "js/wasm >= 3",
  });

  const m3 = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const fit = await medianMs({
    wasm: () => mfvi(m3, { backend: "wasm" }),
    js: () => mfvi(m3, { backend: "js" }),
  });
  const check = await mfvi(m3, { backend: "wasm" });
  rows.push({ case: `whole fit, 2-D m=3 (defaults: exact, G=256; ${check.sweeps} sweeps)`, wasmMs: fit.wasm, jsMs: fit.js, goal: "wasm < 20 ms" });

  for (const d of [2, 5, 10, 20, 50, 100]) {
    rows.push({ case: `sweep vs d: d=${d}, G=256 S=128`, wasmMs: await perSweep(twoComponents(d), { ...sweepOptions, backend: "wasm" }, 2, 800) });
  }
  for (const gridSize of [64, 128, 256, 512, 1024]) {
    rows.push({ case: `sweep vs G: d=10, G=${gridSize} S=128`, wasmMs: await perSweep(d10, { ...sweepOptions, gridSize, backend: "wasm" }, 2, 800) });
  }
  for (const samples of [32, 64, 128, 256, 512]) {
    rows.push({ case: `sweep vs S: d=10, G=256 S=${samples}`, wasmMs: await perSweep(d10, { ...sweepOptions, samples, backend: "wasm" }, 2, 800) });
  }
  return rows;
}
