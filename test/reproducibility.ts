// Runs shared by test/reproducibility.browser.test.ts: the same seeded computations, run once
// in the browser and once in Node (through a Vitest browser command, see vitest.config.ts),
// reported as the hex of their IEEE bits so that nothing is lost on the way (JSON would turn
// -0 into 0 and NaN into null).
import { gaussianMfvi, gaussianMixture, labelSwitchingPosterior, lmc, math, mfvi, rovi, svd, type BackendName } from "../src/index.js";
import table from "./fixtures/math.json" with { type: "json" };
import { figureOneMixture } from "./explore-target.js";

function hex(values: ArrayLike<number>): string {
  // JavaScript has one NaN: engines may store it with either sign bit (Chromium's log(-1) has it set, Node's not)
  const bytes = new Uint8Array(Float64Array.from(values, (x) => (Number.isNaN(x) ? NaN : x)).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Named runs; each returns its results' bits. */
export const runs: Record<string, (backend: BackendName) => Promise<string>> = {
  async "rovi 2-D w = 0.3"(backend) {
    const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-3, -3], [3, 3]], covariances: [1, [1, 2]] });
    const q = await rovi(t, { backend, seed: 5, gridSize: 64 });
    return hex([q.kl, ...q.rotation, ...q.trace, ...q.sample(32, { seed: 2 })]);
  },
  async "rovi exploring a custom target (the Figure-1 mixture, d = 3)"(backend) {
    const q = await rovi(figureOneMixture(3, 0.3).custom, { backend, seed: 2, gridSize: 32, samples: 32, klSamples: 1024, explore: { chains: 24, steps: 60 } });
    return hex([q.kl, ...q.rotation, ...q.trace]);
  },
  async "mfvi d = 5, sampled quadrature"(backend) {
    const u = [1, -2, 0.5, 3, -1];
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => -x), u], covariances: [1, 1] });
    const q = await mfvi(t, { backend, seed: 7, gridSize: 32, samples: 32, klSamples: 2048 });
    return hex([q.kl, ...q.trace, ...q.mean]);
  },
  async "lmc MALA on the label-switching posterior"(backend) {
    const r = await lmc(labelSwitchingPosterior(), { backend, seed: 3, chains: 8, steps: 50, step: 1e-4, init: [2, 4], adjust: true });
    return hex(r.samples);
  },
  async "gaussianMfvi (ADVI) d = 3"(backend) {
    const t = gaussianMixture({ weights: [1], means: [[1, -2, 0.5]], covariances: [[[2, 0.5, 0], [0.5, 1, 0.3], [0, 0.3, 0.5]]] });
    const q = await gaussianMfvi(t, { backend, seed: 4, iterations: 300 });
    return hex([q.kl, ...q.mean]);
  },
  // Math.exp(-19.017466687531318) is 1 ulp apart between Node 20 and Chromium 156; rovi's is not.
  async "rovi's math on the fixture's inputs"() {
    const names = ["exp", "log", "log1p", "expm1", "erf", "erfc"] as const;
    const inputs = names.map((name) => (table[name] as string[][]).map(([x]) => math[name](Number(x))));
    return hex([...inputs.flat(), math.exp(-19.017466687531318)]);
  },
  async "svd 17 x 9"(backend) {
    let s = 11;
    const a = Array.from({ length: 17 * 9 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
    const r = await svd(a, { rows: 17, cols: 9, backend });
    return hex([...r.U, ...r.S, ...r.V]);
  },
};
