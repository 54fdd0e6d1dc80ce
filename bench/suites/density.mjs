// Batched mixture log density: d = 10, K = 8 (full covariances), 20,000 points. Issue goal:
// WASM at least 3x faster than JS.
import { gaussianMixture, ready } from "../../dist/index.js";
import { medianMs } from "../time.mjs";

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

export default async function () {
  await ready("wasm");
  const rand = lcg(7);
  const d = 10;
  const K = 8;
  const n = 20_000;
  const spec = (backend) => ({
    weights: Array(K).fill(1 / K),
    means: Array.from({ length: K }, () => Array.from({ length: d }, () => 3 * rand())),
    covariances: Array.from({ length: K }, () => {
      const a = Array.from({ length: d }, () => Array.from({ length: d }, rand));
      return a.map((row, i) => row.map((_, j) => a[i].reduce((s, x, p) => s + x * a[j][p], 0) / d + (i === j ? 0.5 : 0)));
    }),
    backend,
  });
  const base = spec("wasm");
  const wasm = gaussianMixture(base);
  const js = gaussianMixture({ ...base, backend: "js" });
  const points = Float64Array.from({ length: n * d }, () => 4 * rand());
  const out = new Float64Array(n);
  const t = await medianMs({
    "density wasm": () => wasm.logDensityBatch(points, out),
    "density js": () => js.logDensityBatch(points, out),
    "grad wasm": () => wasm.gradLogDensityBatch(points),
    "grad js": () => js.gradLogDensityBatch(points),
  });
  return [
    { case: "logDensityBatch d=10 K=8 n=20000", wasmMs: t["density wasm"], jsMs: t["density js"], goal: "js/wasm >= 3" },
    { case: "gradLogDensityBatch d=10 K=8 n=20000", wasmMs: t["grad wasm"], jsMs: t["grad js"] },
  ];
}
