// componentMass and marginalW1 against exact values.
import { beforeAll, expect, test } from "vitest";
import { componentMass, componentMassEstimate, marginalW1Estimate, normalDraws, gaussian, gaussianMixture, marginalCdf, marginalW1, mfvi, ready } from "../src/index.js";

beforeAll(async () => {
  await ready("wasm");
});

test("the exact marginal CDF of a mixture: symmetric point, and a known value", () => {
  const t = gaussianMixture({ weights: [0.3, 0.7], means: [[-1, 2], [1, 0]], covariances: [1, [[2, 0.5], [0.5, 1]]] });
  const along1 = marginalCdf(t, Float64Array.of(1, 0));
  // 0.3 Phi((t + 1) / 1) + 0.7 Phi((t - 1) / sqrt 2) at t = 1: 0.3 Phi(2) + 0.7 / 2
  expect(along1(1)).toBeCloseTo(0.3 * 0.9772498680518208 + 0.35, 14);
  const g = marginalCdf(gaussian({ mean: [0, 0], covariance: 1 }), Float64Array.of(Math.SQRT1_2, Math.SQRT1_2));
  expect(g(0)).toBe(0.5);
});

test("component masses of a product target's exact MFVI fit are the weights", async () => {
  const t = gaussianMixture({ weights: [0.25, 0.75], means: [[0, -3], [0, 3]], covariances: [1, 1] });
  const m = componentMass(await mfvi(t), t);
  expect(m[0]).toBeCloseTo(0.25, 2);
  expect(m[0] + m[1]).toBeCloseTo(1, 12);
});

test("component masses carry standard errors that match their spread over seeds", async () => {
  // overlapping components, so every draw's responsibility is uncertain
  const t = gaussianMixture({ weights: [0.4, 0.6], means: [[-1, -1], [1, 1]], covariances: [1, 1] });
  const q = await mfvi(t, { gridSize: 64 });
  const sd = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - v.reduce((a, b) => a + b) / v.length) ** 2, 0) / (v.length - 1));
  const seeds = Array.from({ length: 40 }, (_, s) => s + 1);
  // independent draws passed in: the error is that of their mean
  const iid = seeds.map((seed) => componentMassEstimate(q.sample(2000, { seed }), t));
  const meanError = iid.reduce((s, e) => s + e.error[0], 0) / iid.length;
  expect(Math.abs(sd(iid.map((e) => e.mass[0])) / meanError - 1)).toBeLessThan(0.3);
  expect(iid[0].error[1] / iid[0].error[0]).toBeCloseTo(1, 12); // two components: m_1 = 1 - m_0
  // an Approximation's stratified draws: the error bounds their spread from above
  const strat = seeds.map((seed) => componentMassEstimate(q, t, { samples: 2000, seed }));
  expect(sd(strat.map((e) => e.mass[0]))).toBeLessThan(1.3 * strat[0].error[0]);
  expect(strat[0].draws).toBe(2000);
  expect(Array.from(componentMass(q, t, { samples: 2000, seed: 1 }))).toEqual(Array.from(strat[0].mass));
});

test("a sampled W1 carries a standard error that matches its spread over seeds; an exact one has none", async () => {
  const sd = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - v.reduce((a, b) => a + b) / v.length) ** 2, 0) / (v.length - 1));
  const seeds = Array.from({ length: 40 }, (_, s) => s + 1);
  // 2000 draws of N(0, I) along the diagonal against a shifted and a wider Gaussian (CDFs apart, and crossing)
  for (const t of [gaussian({ mean: [0.7, 0], covariance: 1 }), gaussian({ mean: [0, 0], covariance: 4 })]) {
    const est = seeds.map((seed) => marginalW1Estimate(normalDraws(4000, { seed }), t, [1, 1]));
    const meanError = est.reduce((s, e) => s + e.error, 0) / est.length;
    expect(est.every((e) => e.sampled)).toBe(true);
    expect(Math.abs(sd(est.map((e) => e.w1)) / meanError - 1)).toBeLessThan(0.3);
  }
  // stratified draws of a fit: the error bounds the spread
  const target = gaussian({ mean: [0, 0], covariance: [[1, 0.5], [0.5, 1]] });
  const q = await mfvi(target, { gridSize: 64 });
  const strat = seeds.map((seed) => marginalW1Estimate(q, target, [1, 1], { samples: 2000, seed }));
  expect(sd(strat.map((e) => e.w1))).toBeLessThan(1.3 * strat[0].error);
  // along a factor axis W1 is a quadrature of exact CDFs
  expect(marginalW1Estimate(q, target, [1, 0])).toMatchObject({ error: 0, sampled: false });
});

test("W1 between N(0, 1) and N(delta, 1) is |delta|; it is 0 along an axis where they agree", async () => {
  const delta = 0.7;
  const q = await mfvi(gaussian({ mean: [0, 0], covariance: 1 }));
  const shifted = gaussian({ mean: [delta, 0], covariance: 1 });
  const w = marginalW1(q, shifted);
  expect(Math.abs(w[0] - delta)).toBeLessThan(2e-3); // histogram of a Gaussian: O(h^2)
  expect(w[1]).toBeLessThan(2e-3);
  // off-axis: from draws, W1 = delta / sqrt 2 up to Monte Carlo error
  expect(Math.abs(marginalW1(q, shifted, [1, 1]) - delta / Math.SQRT2)).toBeLessThan(0.02);
  // samples in, same answer
  expect(Math.abs(marginalW1(q.sample(20000, { seed: 5 }), shifted, [1, 0]) - delta)).toBeLessThan(0.03);
});

test("bad diagnostic inputs", () => {
  const t = gaussian({ mean: [0, 0], covariance: 1 });
  expect(() => componentMass(new Float64Array(3), t)).toThrow(/samples\.length must be a positive multiple of the dimension 2; got 3/);
  expect(() => componentMass(new Float64Array(4), {} as never)).toThrow(/mixture must be a Gaussian mixture/);
  expect(() => marginalW1(new Float64Array(4), t, [0, 0])).toThrow(/direction must be a non-zero vector/);
});
