// Langevin Monte Carlo and the ADVI baseline, WASM against JS (same bits, so the same work):
//  - ULA and MALA, 1000 chains x 1000 steps on the paper's 2-D mixture 0.3 N(-3 1, I) + 0.7 N(3 1, I)
//    (one kernel call per block of steps for all chains);
//  - ULA, 1000 chains x 100 steps on a d = 10, K = 4 mixture with full covariances;
//  - ULA through the custom-target route (the host's batched gradient every step), 2-D;
//  - gaussianMfvi (ADVI) on the d = 10 mixture, at most 2000 iterations of 10 draws.
// Each task runs at least 64 times under tinybench: the suite takes about three minutes.
import { customTarget, gaussianMfvi, gaussianMixture, lmc, ready } from "../../dist/index.js";
import { medianMs } from "../time.mjs";

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

export default async function () {
  await ready("wasm");
  const paper = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const rand = lcg(11);
  const d = 10;
  const K = 4;
  const wide = gaussianMixture({
    weights: Array(K).fill(1 / K),
    means: Array.from({ length: K }, () => Array.from({ length: d }, () => 3 * rand())),
    covariances: Array.from({ length: K }, () => {
      const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
      return a.map((row, i) => row.map((_, j) => a[i].reduce((s, x, p) => s + x * a[j][p], 0) / d + (i === j ? 0.5 : 0)));
    }),
  });
  // a custom target in plain JS: the same mixture's gradient, written out
  const custom = customTarget({
    dim: 2,
    logDensity: (p, out) => {
      for (let j = 0; j < out.length; j++) {
        const a = -0.5 * ((p[2 * j] + 3) ** 2 + (p[2 * j + 1] + 3) ** 2) + Math.log(0.3);
        const b = -0.5 * ((p[2 * j] - 3) ** 2 + (p[2 * j + 1] - 3) ** 2) + Math.log(0.7);
        const top = Math.max(a, b);
        out[j] = top + Math.log(Math.exp(a - top) + Math.exp(b - top)) - Math.log(2 * Math.PI);
      }
    },
    gradLogDensity: (p, g) => {
      for (let j = 0; j < g.length / 2; j++) {
        const a = -0.5 * ((p[2 * j] + 3) ** 2 + (p[2 * j + 1] + 3) ** 2) + Math.log(0.3);
        const b = -0.5 * ((p[2 * j] - 3) ** 2 + (p[2 * j + 1] - 3) ** 2) + Math.log(0.7);
        const r = 1 / (1 + Math.exp(b - a)); // responsibility of the first component
        for (let i = 0; i < 2; i++) g[2 * j + i] = -r * (p[2 * j + i] + 3) - (1 - r) * (p[2 * j + i] - 3);
      }
    },
  });
  const run = (target, opts) => (backend) => () => lmc(target, { seed: 1, ...opts, backend });
  const cases = [
    ["ULA 1000 chains x 1000 steps, 2-D mixture", run(paper, { step: 0.1, steps: 1000, chains: 1000 })],
    ["MALA 1000 chains x 1000 steps, 2-D mixture", run(paper, { step: 0.1, steps: 1000, chains: 1000, adjust: true })],
    ["ULA 1000 chains x 100 steps, d=10 K=4 full", run(wide, { step: 0.05, steps: 100, chains: 1000 })],
    ["ULA custom target (host gradient) 1000 chains x 1000 steps, 2-D", run(custom, { step: 0.1, steps: 1000, chains: 1000 })],
    ["gaussianMfvi d=10 K=4, <= 2000 iterations x 10 draws", (backend) => () => gaussianMfvi(wide, { seed: 1, iterations: 2000, backend })],
  ];
  const tasks = {};
  for (const [name, make] of cases) {
    tasks[`${name} wasm`] = make("wasm");
    tasks[`${name} js`] = make("js");
  }
  const t = await medianMs(tasks);
  return cases.map(([name]) => ({ case: name, wasmMs: t[`${name} wasm`], jsMs: t[`${name} js`] }));
}
