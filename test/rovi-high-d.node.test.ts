// Fact 4 in d = 10 and 50, and the Old Faithful posterior on both backends (Node only: these
// fits take seconds each; Node and Chromium are compared bit for bit on smaller fits in
// reproducibility.browser.test.ts).
import { beforeAll, describe, expect, test } from "vitest";
import { componentMass, customTarget, gaussianMixture, labelSwitchingPosterior, lmc, mfvi, ready, rovi } from "../src/index.js";
import { parseRoviOptions } from "../src/rovi-options.js";
import { faithfulEruptions } from "../src/data/faithful.js";
import { bestColumnCos, orthogonalityError, labelShare } from "./helpers.js";

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

test("the tempered stages take fewer draws (1024 or 32 dim, at most rotationSamples); the final stage settles O on its own draws, so the fit keeps fact 4's accuracy", async () => {
  const wide = (dim: number) => customTarget({ dim, logDensity: (_, out) => out.fill(0), gradLogDensity: (_, g) => g.fill(0) });
  expect(parseRoviOptions(wide(2), {}).temperedSamples).toBe(1024);
  expect(parseRoviOptions(wide(10), {}).temperedSamples).toBe(1024);
  expect(parseRoviOptions(wide(100), {}).temperedSamples).toBe(3200);
  expect(parseRoviOptions(wide(500), {}).temperedSamples).toBe(16_000);
  expect(parseRoviOptions(wide(100), { rotationSamples: 1000 }).temperedSamples).toBe(1000);
  expect(parseRoviOptions(wide(100), { temper: { rotationSamples: 9000 } }).temperedSamples).toBe(9000);
  // d = 40: 5120 draws in the final stage, 1280 before it by default
  const d = 40;
  const u = direction(d);
  const t = gaussianMixture({ weights: [0.5, 0.5], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
  const fewer = await rovi(t, { backend: "wasm" });
  const same = await rovi(t, { backend: "wasm", temper: { rotationSamples: 5120 } });
  for (const q of [fewer, same]) {
    expect(q.status).toBe("converged");
    expect(q.kl).toBeLessThan(0.02);
    expect(bestColumnCos(q.rotation, u)).toBeGreaterThan(0.999);
  }
  expect(fewer.kl).not.toBe(same.kl); // the option reaches the tempered stages
  expect(Math.abs(fewer.kl - same.kl)).toBeLessThan(1e-3);
  expect(Math.abs(bestColumnCos(fewer.rotation, u) - bestColumnCos(same.rotation, u))).toBeLessThan(1e-5);
});

test("the tempered stages stop at temper.rotationTol (default max(rotationTol, 0.1 sqrt(dim / n)), a tenth of their draws' sampling error): fewer rotation steps, the same answer", async () => {
  const wide = (dim: number) => customTarget({ dim, logDensity: (_, out) => out.fill(0), gradLogDensity: (_, g) => g.fill(0) });
  expect(parseRoviOptions(wide(2), {}).temperedTol).toBe(0.1 * Math.sqrt(2 / 1024));
  expect(parseRoviOptions(wide(100), {}).temperedTol).toBe(0.1 * Math.sqrt(100 / 3200));
  expect(parseRoviOptions(wide(100), { rotationTol: 0.5 }).temperedTol).toBe(0.5);
  expect(parseRoviOptions(wide(100), { temper: { rotationTol: 1e-6 } }).temperedTol).toBe(1e-6);
  expect(parseRoviOptions(wide(100), {}).rotationTol).toBe(1e-4);
  // d = 10 through a custom target wrapping the mixture, which counts the rotation steps (one
  // gradient batch each: 1024 draws of 10 coordinates fit one batch)
  const d = 10;
  const u = direction(d);
  const t = gaussianMixture({ weights: [0.3, 0.7], means: [u.map((x) => -3 * x), u.map((x) => 3 * x)], covariances: [1, 1] });
  const fit = async (temper: object) => {
    let steps = 0;
    const counted = customTarget({
      dim: d,
      normalized: true,
      logDensity: (points, out) => t.logDensityBatch(points, out),
      gradLogDensity: (points, grad) => {
        steps++;
        t.gradLogDensityBatch(points, grad);
      },
    });
    const q = await rovi(counted, { backend: "wasm", rotationInit: "identity", explore: false, temper });
    expect(q.status).toBe("converged");
    expect(q.kl).toBeLessThan(0.02);
    expect(Math.abs(componentMass(q, t)[0] - 0.3)).toBeLessThan(0.02);
    expect(bestColumnCos(q.rotation, u)).toBeGreaterThan(0.999);
    return { q, steps };
  };
  const loose = await fit({});
  const strict = await fit({ rotationTol: 1e-4 });
  console.log(`tempered stages to 0.1 sqrt(d / n): ${loose.steps} rotation steps, KL ${loose.q.kl.toFixed(5)} +- ${loose.q.klError.toFixed(5)}; to 1e-4: ${strict.steps}, KL ${strict.q.kl.toFixed(5)}`);
  expect(loose.steps).toBeLessThan(strict.steps);
  expect(Math.abs(loose.q.kl - strict.q.kl)).toBeLessThan(Math.hypot(loose.q.klError, strict.q.klError));
  expect(Math.abs(bestColumnCos(loose.q.rotation, u) - bestColumnCos(strict.q.rotation, u))).toBeLessThan(1e-5);
});

test("Old Faithful (docs/algorithms.md §7) on both backends: MFVI keeps one labelling, RoVI from LMC draws carries 0.4 to 0.6 on each, with the same bits", async () => {
  const t = labelSwitchingPosterior();
  const mean = faithfulEruptions.reduce((a, b) => a + b, 0) / faithfulEruptions.length;
  const share = labelShare;
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
