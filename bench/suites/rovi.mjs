// RoVI: a whole fit of the 2-D m = 3 diagonal mixture (goal < 100 ms with WASM) and of the
// d = 50 two-component mixture along a random direction (goal < 5 s).
import { gaussianMixture, ready, rovi } from "../../dist/index.js";
import { medianMs } from "../time.mjs";

export default async function () {
  await ready("wasm");
  const m3 = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const small = await medianMs({ wasm: () => rovi(m3, { backend: "wasm" }), js: () => rovi(m3, { backend: "js" }) }, { time: 3000 });
  const fit = await rovi(m3);
  // fact 4's mixture: identity covariances, means +-3 u along a seeded random direction u
  const d = 50;
  let seed = d;
  const u = Array.from({ length: d }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
  const norm = Math.hypot(...u);
  const d50 = gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => (-3 * x) / norm), u.map((x) => (3 * x) / norm)], covariances: [1, 1] });
  const t0 = performance.now();
  const big = await rovi(d50, { backend: "wasm" });
  const wasm50 = performance.now() - t0;
  const t1 = performance.now();
  await rovi(d50, { backend: "js" });
  const js50 = performance.now() - t1;
  console.log(`  d=50: ${big.sweeps} sweeps, KL ${big.kl.toFixed(4)} (one run each; wasm ${wasm50.toFixed(0)} ms, js ${js50.toFixed(0)} ms)`);
  return [
    { case: `RoVI fit, 2-D m=3 (${fit.sweeps} sweeps, KL ${fit.kl.toFixed(4)})`, wasmMs: small.wasm, jsMs: small.js, goal: "wasm < 100 ms" },
    { case: `RoVI fit, d=50 two components (${big.sweeps} sweeps; single run)`, wasmMs: wasm50, jsMs: js50, goal: "wasm < 5 s" },
  ];
}
