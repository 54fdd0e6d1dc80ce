// Gaussian mean-field VI by stochastic gradients (ADVI) against exact facts: on a Gaussian the
// optimum is prod N(m_i, 1 / L_ii) (docs/algorithms.md §6, fact 5), on the m = 3 diagonal mixture it
// collapses onto one component (fact 2); reproducibility across seeds, backends and routes;
// status reporting and argument validation.
import { beforeAll, describe, expect, test } from "vitest";
import { customTarget, gaussian, gaussianMfvi, gaussianMixture, ready, type Approximation, type GaussianMixture } from "../src/index.js";
import { expectRejection } from "./helpers.js";

const backends = ["wasm", "js"] as const;
beforeAll(async () => {
  await ready("wasm");
});

/** Component masses E_q[r_k(X)] from 20,000 draws of q. */
function masses(a: Approximation, t: GaussianMixture, n = 20_000): number[] {
  const r = t.responsibilities(a.sample(n, { seed: 11 }));
  const K = t.components.length;
  const m = new Array(K).fill(0);
  for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) m[k] += r[j * K + k] / n;
  return m;
}

// S and its precision L = S^-1 (computed in closed form by cofactors)
const S = [
  [2, 0.8, 0.3],
  [0.8, 1, -0.2],
  [0.3, -0.2, 0.5],
];
const mean = [1, -2, 0.5];
function invert3(a: number[][]): { inv: number[][]; det: number } {
  const c = (i: number, j: number) => {
    const r = [0, 1, 2].filter((x) => x !== j);
    const s = [0, 1, 2].filter((x) => x !== i);
    return ((i + j) % 2 ? -1 : 1) * (a[r[0]][s[0]] * a[r[1]][s[1]] - a[r[0]][s[1]] * a[r[1]][s[0]]);
  };
  const det = a[0][0] * c(0, 0) + a[0][1] * c(1, 0) + a[0][2] * c(2, 0);
  return { inv: [0, 1, 2].map((i) => [0, 1, 2].map((j) => c(i, j) / det)), det };
}
const { inv: L, det } = invert3(S);
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

describe.each(backends)("gaussianMfvi on %s", (backend) => {
  // Tolerances from the measured spread over 20 seeds at the defaults (S = 10 draws per step,
  // 1000 averaged iterations): max |m_i - truth| / sd_i 0.04, max |v_i L_ii - 1| 0.06.
  test("fact 5: on a Gaussian it recovers prod N(m_i, 1 / L_ii) (means within 0.1 sd, variances within 10%)", async () => {
    const t = gaussian({ mean, covariance: S });
    const a = await gaussianMfvi(t, { backend, seed: 3 });
    expect(a.method).toBe("gaussianMfvi");
    expect(a.status).toBe("converged");
    expect(a.trace.length).toBe(a.iterations);
    const m = a.mean;
    const cov = a.covariance;
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(m[i] - mean[i]) * Math.sqrt(L[i][i])).toBeLessThan(0.1);
      expect(Math.abs(cov[i * 3 + i] * L[i][i] - 1)).toBeLessThan(0.1);
      for (let j = 0; j < 3; j++) if (j !== i) expect(cov[i * 3 + j]).toBe(0);
    }
    // the optimum's KL, (log det S + sum_i log L_ii) / 2; the grids' own error is ~1e-3
    const klOptimum = (Math.log(det) + L.reduce((s, row, i) => s + Math.log(row[i]), 0)) / 2;
    expect(Math.abs(a.kl - klOptimum)).toBeLessThan(0.01);
  });

  test("fact 2: on the m = 3 diagonal mixture it collapses onto one component (majority mass > 0.99, KL ~ log 2)", async () => {
    const t = gaussianMixture({ weights: [0.5, 0.5], means: [[-3, -3], [3, 3]], covariances: [1, 1] });
    for (const seed of [0, 1]) {
      const a = await gaussianMfvi(t, { backend, seed });
      expect(a.status).toBe("converged");
      expect(Math.max(...masses(a, t))).toBeGreaterThan(0.99);
      expect(Math.abs(a.kl - Math.log(2))).toBeLessThan(0.01);
    }
    // which one follows the start
    const low = await gaussianMfvi(t, { backend, init: { center: -1, scale: 1 } });
    expect(masses(low, t)[0]).toBeGreaterThan(0.99);
    const high = await gaussianMfvi(t, { backend, init: { center: [1, 1], scale: [1, 1] } });
    expect(masses(high, t)[1]).toBeGreaterThan(0.99);
  });

  test("the same seed gives the same bits, another seed other bits", async () => {
    const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [1, [1, 2, 0.5]] });
    const a = await gaussianMfvi(t, { backend, seed: 42, iterations: 700 });
    const b = await gaussianMfvi(t, { backend, seed: 42, iterations: 700 });
    const c = await gaussianMfvi(t, { backend, seed: 43, iterations: 700 });
    expect(b.kl).toBe(a.kl);
    expect(same(a.trace, b.trace)).toBe(true);
    expect(same(a.mean, b.mean)).toBe(true);
    expect(same(a.trace, c.trace)).toBe(false);
  });

  test("status: 'maxSweeps' when iterations run out, 'aborted' by the signal, 'diverged' on a NaN gradient", async () => {
    const t = gaussian({ mean: [0, 0], covariance: 1 });
    const short = await gaussianMfvi(t, { backend, iterations: 150 });
    expect(short.status).toBe("maxIterations");
    expect(short.iterations).toBe(150);
    expect(short.message).toMatch(/no convergence in 150 iterations/);
    const controller = new AbortController();
    const seen: number[] = [];
    const aborted = await gaussianMfvi(t, {
      backend,
      onProgress: (p) => {
        seen.push(p.sweep);
        if (p.sweep >= 300) controller.abort();
      },
      signal: controller.signal,
    });
    expect(aborted.status).toBe("aborted");
    expect(aborted.iterations).toBe(300);
    expect(seen).toEqual([100, 200, 300]);
    const nan = customTarget({ dim: 2, logDensity: (p, o) => o.fill(0), gradLogDensity: (p, g) => g.fill(NaN) });
    const diverged = await gaussianMfvi(nan, { backend });
    expect(diverged.status).toBe("diverged");
    expect(diverged.message).toMatch(/not finite .*iteration 1/);
  });
});

test("WASM and JS agree bit for bit, and a custom target wrapping a mixture follows the same path", async () => {
  const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, 0, 1], [1, 1, -1]], covariances: [[[1, 0.3, 0], [0.3, 1, 0], [0, 0, 1]], [1, 2, 0.5]] });
  const custom = customTarget({ dim: 3, logDensity: (p, o) => t.logDensityBatch(p, o), gradLogDensity: (p, g) => t.gradLogDensityBatch(p, g), normalized: true });
  const fits: Approximation[] = [];
  for (const target of [t, custom]) for (const backend of backends) fits.push(await gaussianMfvi(target, { backend, seed: 7, samplesPerStep: 4 }));
  // the fitted factors are the same bits on every route; the KL, evaluated afterwards by the
  // MFVI engine (its own mixture and generic paths), is compared per target
  expect(fits[1].kl).toBe(fits[0].kl);
  expect(fits[3].kl).toBe(fits[2].kl);
  for (const f of fits.slice(1)) {
    expect(f.iterations).toBe(fits[0].iterations);
    expect(same(f.trace, fits[0].trace)).toBe(true);
    for (let i = 0; i < 3; i++) expect(same(f.marginals[i].mass, fits[0].marginals[i].mass)).toBe(true);
  }
});

describe("gaussianMfvi validates its arguments", () => {
  const t = gaussian({ mean: [0, 0], covariance: 1 });
  type Case = [string, () => Promise<unknown>, ErrorConstructor, RegExp];
  const cases: Case[] = [
    ["target not a target", () => gaussianMfvi(null as never), TypeError, /target must be a target made by gaussian\(\)/],
    [
      "custom target without gradient",
      () => gaussianMfvi(customTarget({ dim: 1, logDensity: () => {} })),
      TypeError,
      /target must be a target with a gradient .*; got a customTarget without gradLogDensity/,
    ],
    ["options not an object", () => gaussianMfvi(t, "fast" as never), TypeError, /options must be an object; got "fast"/],
    ["unknown option", () => gaussianMfvi(t, { learningrate: 0.1 } as never), RangeError, /options\.learningrate must be one of the known options/],
    ["iterations zero", () => gaussianMfvi(t, { iterations: 0 }), RangeError, /options\.iterations must be an integer in \[1, 1000000000\]; got 0/],
    ["iterations fractional", () => gaussianMfvi(t, { iterations: 1.5 }), RangeError, /options\.iterations must be an integer; got 1\.5/],
    ["samplesPerStep zero", () => gaussianMfvi(t, { samplesPerStep: 0 }), RangeError, /options\.samplesPerStep must be an integer in \[1, 1000000\]; got 0/],
    ["learningRate zero", () => gaussianMfvi(t, { learningRate: 0 }), RangeError, /options\.learningRate must be > 0; got 0/],
    ["learningRate NaN", () => gaussianMfvi(t, { learningRate: NaN }), RangeError, /options\.learningRate must be a finite number; got NaN/],
    ["learningRate a string", () => gaussianMfvi(t, { learningRate: "0.1" as never }), TypeError, /options\.learningRate must be a number; got "0\.1"/],
    ["tol negative", () => gaussianMfvi(t, { tol: -1 }), RangeError, /options\.tol must be > 0; got -1/],
    ["seed fractional", () => gaussianMfvi(t, { seed: 0.5 }), RangeError, /options\.seed must be an integer; got 0\.5/],
    ["init.scale zero", () => gaussianMfvi(t, { init: { center: 0, scale: 0 } }), RangeError, /options\.init\.scale must be positive; got 0/],
    ["init.scale entry negative", () => gaussianMfvi(t, { init: { center: 0, scale: [1, -1] } }), RangeError, /options\.init\.scale\[1\] must be positive; got -1/],
    ["init.center wrong length", () => gaussianMfvi(t, { init: { center: [0, 0, 0], scale: 1 } }), RangeError, /options\.init\.center must be of length 2/],
    ["init.center NaN", () => gaussianMfvi(t, { init: { center: [0, NaN], scale: 1 } }), RangeError, /options\.init\.center\[1\] must be a finite number; got NaN/],
    ["init unknown key", () => gaussianMfvi(t, { init: { mean: 0, scale: 1 } as never }), RangeError, /options\.init\.mean must be one of the known options/],
    ["gridSize too small", () => gaussianMfvi(t, { gridSize: 8 }), RangeError, /options\.gridSize must be an integer in \[16, 65536\]; got 8/],
    ["backend unknown", () => gaussianMfvi(t, { backend: "gpu" as never }), RangeError, /options\.backend must be one of 'wasm', 'js'; got "gpu"/],
    ["onProgress not a function", () => gaussianMfvi(t, { onProgress: true as never }), TypeError, /options\.onProgress must be a function; got true/],
    ["signal not a signal", () => gaussianMfvi(t, { signal: 1 as never }), TypeError, /options\.signal must be an AbortSignal; got 1/],
  ];
  test.each(cases)("%s", async (_, call, kind, message) => {
    await expectRejection(call(), kind, message);
  });
});
