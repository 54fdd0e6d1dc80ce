// Fact 4 in d = 10 and 50, and the Old Faithful posterior on both backends (Node only: these
// fits take seconds each; Node and Chromium are compared bit for bit on smaller fits in
// reproducibility.browser.test.ts).
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, gaussianMixture, labelSwitchingPosterior, lmc, mfvi, ready, rovi, type Approximation } from "../src/index.js";
import { faithfulEruptions } from "../src/data/faithful.js";
import { bestColumnCos, orthogonalityError } from "./helpers.js";

beforeAll(async () => {
  await ready("wasm");
});

/** A seeded unit vector in R^d. */
function direction(d: number): number[] {
  let s = d >>> 0;
  const u = Array.from({ length: d }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
  const norm = Math.hypot(...u);
  return u.map((x) => x / norm);
}

describe.each(["wasm", "js"] as const)("RoVI on %s", (backend) => {
  test.each([
    [10, 0.5],
    [10, 0.3],
    [50, 0.5],
    [50, 0.3],
  ])("fact 4 in d = %i, w = %s: MFVI collapses, RoVI recovers (w, 1 - w) with KL < 0.02", async (d, w) => {
    const u = direction(d);
    const t = gaussianMixture({ weights: [w, 1 - w], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
    const m = await mfvi(t, { backend });
    expect(Math.max(...componentMass(m, t))).toBeGreaterThan(0.99);
    const a = await rovi(t, { backend });
    const mass = componentMass(a, t);
    console.log(`d=${d} w=${w} (${backend}): MFVI KL ${m.kl.toFixed(4)}; RoVI KL ${a.kl.toFixed(4)}, masses ${mass[0].toFixed(4)}, cos ${bestColumnCos(a.rotation, u).toFixed(6)}`);
    expect(Math.abs(mass[0] - w)).toBeLessThan(0.02);
    expect(a.kl).toBeLessThan(0.02);
    expect(bestColumnCos(a.rotation, u)).toBeGreaterThan(0.999);
    expect(orthogonalityError(a.rotation, d)).toBeLessThan(1e-12);
  });
});

test("Old Faithful (docs/algorithms.md §7) on both backends: MFVI keeps one labelling, RoVI from LMC draws carries 0.4 to 0.6 on each, with the same bits", async () => {
  const t = labelSwitchingPosterior();
  const mean = faithfulEruptions.reduce((a, b) => a + b, 0) / faithfulEruptions.length;
  const share = (q: Approximation) => {
    const x = q.sample(20_000, { seed: 1, stratified: true });
    let below = 0;
    for (let j = 0; j < x.length / 2; j++) if (x[2 * j] < x[2 * j + 1]) below++;
    return below / (x.length / 2);
  };
  const fits = [];
  for (const backend of ["wasm", "js"] as const) {
    const m = await mfvi(t, { backend, seed: 1, gridSize: 64 });
    expect(Math.max(share(m), 1 - share(m))).toBeGreaterThan(0.99);
    // exploratory ULA chains from the diagonal mu_1 = mu_2 (the saddle between the labellings)
    const draws = (await lmc(t, { backend, seed: 1, step: 1e-4, steps: 400, chains: 60, init: [mean, mean] })).samples;
    const q = await rovi(t, { backend, seed: 1, gridSize: 64, rotationInit: { samples: draws }, temper: false, maxSweeps: 80 });
    expect(share(q)).toBeGreaterThan(0.4);
    expect(share(q)).toBeLessThan(0.6);
    fits.push(q);
  }
  expect(fits[1].kl).toBe(fits[0].kl);
  expect(Array.from(fits[1].rotation)).toEqual(Array.from(fits[0].rotation));
});
