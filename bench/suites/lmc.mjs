// Langevin Monte Carlo, WASM against JS (same bits, so the same work): ULA and MALA with 1000
// chains x 1000 steps on the paper's 2-D mixture 0.3 N(-3 1, I) + 0.7 N(3 1, I).
import { gaussianMixture, lmc, ready } from "../../dist/index.js";
import { interleave, ratio, showRatio } from "../harness.mjs";

export default async function () {
  await ready("wasm");
  const paper = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
  const rows = [];
  for (const [name, adjust] of [["ULA", false], ["MALA", true]]) {
    const options = { seed: 1, step: 0.1, steps: 1000, chains: 1000, adjust };
    const run = await interleave({ wasm: () => lmc(paper, { ...options, backend: "wasm" }), js: () => lmc(paper, { ...options, backend: "js" }) }, { rounds: 5, minMs: 100, warmup: 1 });
    rows.push([`${name} 1000 chains x 1000 steps, 2-D mixture`, run.ms.wasm, run.ms.js, showRatio(ratio(run, "js", "wasm"))]);
  }
  return { title: "Langevin Monte Carlo", columns: ["case", "WASM ms", "JS ms", "JS / WASM"], rows };
}
