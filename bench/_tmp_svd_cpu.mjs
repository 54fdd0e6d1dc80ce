import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { ready, svd } from "../dist/index.js";
await ready("wasm");
function lcg(seed) { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1; }
async function cpu(fn, reps) { let best = Infinity; for (let t = 0; t < 7; t++) { const c0 = process.cpuUsage(); for (let i = 0; i < reps; i++) await fn(); const c = process.cpuUsage(c0); best = Math.min(best, (c.user + c.system) / 1000 / reps); } return best; }
for (const n of [10, 50, 100]) {
  const a = Float64Array.from({ length: n * n }, lcg(n));
  const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
  const reps = Math.max(3, Math.round(3e5 / n ** 3 * 10));
  for (let i = 0; i < 20; i++) { await svd(a, { rows: n, cols: n, backend: "wasm" }); await svd(a, { rows: n, cols: n, backend: "js" }); new SingularValueDecomposition(m); }
  const w = await cpu(() => svd(a, { rows: n, cols: n, backend: "wasm" }), reps);
  const j = await cpu(() => svd(a, { rows: n, cols: n, backend: "js" }), reps);
  const o = await cpu(() => new SingularValueDecomposition(m), reps);
  console.log(n, "cpu ms: wasm", w.toFixed(3), "js", j.toFixed(3), "ml", o.toFixed(3), "ml/wasm", (o / w).toFixed(2), "js/wasm", (j / w).toFixed(2));
}
