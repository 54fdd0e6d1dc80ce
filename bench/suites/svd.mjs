// SVD of random n x n matrices (n = 10, 50, 100): rovi's QR-preconditioned one-sided Jacobi
// (WASM and JS) against ml-matrix's SingularValueDecomposition (Golub-Kahan-Reinsch, as in
// JAMA). Each side gets its native input (rovi a row-major Float64Array, ml-matrix a Matrix)
// and computes S and thin U, V; rovi's time includes its async call and buffer copies.
// Plus the polar factor (nearestOrthogonal) at n = 100, against ml-matrix's SVD + U V^T.
// Issue goal: rovi WASM at least 5x faster than ml-matrix at n = 50 and 100.
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { nearestOrthogonal, ready, svd } from "../../dist/index.js";
import { medianMs } from "../time.mjs";

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

export default async function () {
  await ready("wasm");
  const rows = [];
  for (const n of [10, 50, 100]) {
    const rand = lcg(n);
    const a = Float64Array.from({ length: n * n }, rand);
    const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
    const t = await medianMs({
      [`svd ${n} wasm`]: () => svd(a, { rows: n, cols: n, backend: "wasm" }),
      [`svd ${n} js`]: () => svd(a, { rows: n, cols: n, backend: "js" }),
      [`svd ${n} ml-matrix`]: () => new SingularValueDecomposition(m),
    });
    rows.push({
      case: `svd ${n}x${n}`,
      wasmMs: t[`svd ${n} wasm`],
      jsMs: t[`svd ${n} js`],
      otherMs: t[`svd ${n} ml-matrix`],
      other: "ml-matrix",
      goal: n >= 50 ? "ml-matrix / wasm >= 5" : undefined,
    });
  }
  const n = 100;
  const a = Float64Array.from({ length: n * n }, lcg(1));
  const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
  const t = await medianMs({
    "polar wasm": () => nearestOrthogonal(a, { backend: "wasm" }),
    "polar js": () => nearestOrthogonal(a, { backend: "js" }),
    "polar ml-matrix": () => {
      const d = new SingularValueDecomposition(m);
      return d.leftSingularVectors.mmul(d.rightSingularVectors.transpose());
    },
  });
  rows.push({ case: `nearestOrthogonal ${n}x${n}`, wasmMs: t["polar wasm"], jsMs: t["polar js"], otherMs: t["polar ml-matrix"], other: "ml-matrix" });
  return rows;
}
