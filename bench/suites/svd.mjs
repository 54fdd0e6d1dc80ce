// SVD of random n x n matrices (n = 50, 100, 200): rovi's QR-preconditioned one-sided Jacobi
// (WASM; JS up to 100) against ml-matrix's SingularValueDecomposition (Golub-Kahan-Reinsch, as
// in JAMA), interleaved. Each side gets its native input (rovi a row-major Float64Array,
// ml-matrix a Matrix) and computes S and thin U, V; rovi's time includes its buffer copies.
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { ready, svd } from "../../dist/index.js";
import { interleave, lcg, ratio, showRatio } from "../harness.mjs";

export default async function () {
  await ready("wasm");
  const rows = [];
  const goals = [];
  for (const n of [50, 100, 200]) {
    const a = Float64Array.from({ length: n * n }, lcg(n));
    const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
    const contenders = {
      wasm: () => svd(a, { rows: n, cols: n, backend: "wasm" }),
      "ml-matrix": () => new SingularValueDecomposition(m),
    };
    if (n <= 100) contenders.js = () => svd(a, { rows: n, cols: n, backend: "js" });
    const run = await interleave(contenders, { rounds: n <= 100 ? 11 : 7, minMs: 60 });
    const vsMl = ratio(run, "ml-matrix", "wasm");
    rows.push([`svd ${n}x${n}`, run.ms.wasm, run.ms.js ?? "", run.ms["ml-matrix"], showRatio(vsMl), run.ms.js ? showRatio(ratio(run, "js", "wasm")) : ""]);
    if (n <= 100) goals.push({ goal: `SVD ${n}x${n}: WASM >= 5x ml-matrix`, value: showRatio(vsMl), met: vsMl.median >= 5 });
  }
  return {
    title: "SVD (S, thin U and V) of random square matrices",
    columns: ["case", "WASM ms", "JS ms", "ml-matrix ms", "ml-matrix / WASM", "JS / WASM"],
    rows,
    goals,
  };
}
